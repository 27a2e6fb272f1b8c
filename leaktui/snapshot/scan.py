"""JIT kernels that scan raw JSON bytes: unsigned-integer arrays and value extents.

They run over one chunk of the file at a time and return where they stopped, so the loader can
stream a multi-gigabyte file through a bounded buffer. No Python object is made per number.
"""

from __future__ import annotations

import numba
import numpy as np

# Status codes returned by the kernels.
NEED_MORE = 0  # ran out of input: call again with more bytes (carry buf[pos:] over)
DONE = 1  # reached the closing bracket of the array / the end of the value
BAD_CHAR = 2  # a byte that cannot appear in an array of non-negative integers
NEGATIVE = 3  # a minus sign: negative numbers are not allowed
OVERFLOW = 4  # more values than the header announced
TOO_BIG = 5  # a value that does not fit in 32 bits

_UINT32_MAX = 0xFFFFFFFF


@numba.njit(cache=True, nogil=True)
def scan_uint_columns(
    buf: np.ndarray, pos: int, final: bool, out: np.ndarray, count: int
) -> tuple[int, int, int, int]:
    """Parse comma-separated non-negative integers from ``buf[pos:]`` into ``out``.

    ``out`` has shape (fields, rows); value number ``count`` goes to
    ``out[count % fields, count // fields]``, so each row of ``out`` is one contiguous column.
    Stops at ``]`` (DONE), at a bad byte, or at the end of ``buf``. When ``final`` is false a
    number touching the end of the buffer is left unread (it may continue in the next chunk).
    Returns (status, pos, count, offending byte).
    """
    n = buf.shape[0]
    fields = out.shape[0]
    rows = out.shape[1]
    field = count % fields
    row = count // fields
    i = pos
    while i < n:
        c = np.int64(buf[i]) - 48
        if 0 <= c <= 9:
            start = i
            value = c
            i += 1
            while i < n:
                d = np.int64(buf[i]) - 48
                if d < 0 or d > 9:
                    break
                value = value * 10 + d
                i += 1
            if i == n and not final:
                return NEED_MORE, start, row * fields + field, 0
            if i - start > 10 or value > _UINT32_MAX:
                return TOO_BIG, start, row * fields + field, 0
            if row >= rows:
                return OVERFLOW, start, row * fields + field, 0
            out[field, row] = value
            field += 1
            if field == fields:
                field = 0
                row += 1
            continue
        b = buf[i]
        if b == 44 or b == 32 or b == 10 or b == 13 or b == 9:  # , space \n \r \t
            i += 1
            continue
        if b == 93:  # ]
            return DONE, i + 1, row * fields + field, 0
        if b == 45:  # -
            return NEGATIVE, i, row * fields + field, b
        return BAD_CHAR, i, row * fields + field, b
    return NEED_MORE, i, row * fields + field, 0


@numba.njit(cache=True, nogil=True)
def check_edges(
    edge_type: np.ndarray, edge_name: np.ndarray, edge_to: np.ndarray, node_fields: int,
    node_count: int, string_count: int, numeric_named: np.ndarray,
) -> tuple[int, int]:
    """Validate edges and turn ``edge_to`` node indexes into ordinals, in place.
    Returns (problem, edge): 0 ok, 1 type out of range, 2 target inside a node,
    3 target past the last node, 4 name index out of range."""
    n_types = numeric_named.shape[0]
    for e in range(edge_to.shape[0]):
        t = edge_type[e]
        if t >= n_types:
            return 1, e
        to = edge_to[e]
        q = to // node_fields
        if q * node_fields != to:
            return 2, e
        if q >= node_count:
            return 3, e
        edge_to[e] = q
        if not numeric_named[t] and edge_name[e] >= string_count:
            return 4, e
    return 0, -1


@numba.njit(cache=True, nogil=True)
def scan_value_extent(
    buf: np.ndarray, pos: int, depth: int, in_string: bool, escaped: bool
) -> tuple[int, int, int, bool, bool]:
    """Find the end of one JSON value (object, array or string) starting at ``buf[pos]``.

    Resumable: pass back the returned depth/in_string/escaped with the next chunk.
    Returns (status, pos, depth, in_string, escaped); on DONE ``pos`` is just past the value.
    The caller guarantees the value starts with ``{``, ``[`` or ``"``.
    """
    n = buf.shape[0]
    i = pos
    while i < n:
        c = buf[i]
        if in_string:
            if escaped:
                escaped = False
            elif c == 92:  # backslash
                escaped = True
            elif c == 34:  # quote
                in_string = False
                if depth == 0:
                    return DONE, i + 1, depth, in_string, escaped
        elif c == 34:
            in_string = True
        elif c == 123 or c == 91:  # { [
            depth += 1
        elif c == 125 or c == 93:  # } ]
            depth -= 1
            if depth == 0:
                return DONE, i + 1, depth, in_string, escaped
            if depth < 0:
                return BAD_CHAR, i, depth, in_string, escaped
        i += 1
    return NEED_MORE, i, depth, in_string, escaped


@numba.njit(cache=True, nogil=True)
def scan_scalar_extent(buf: np.ndarray, pos: int) -> int:
    """End of a bare scalar (number, true, false, null) at ``buf[pos]``; -1 if it runs off."""
    n = buf.shape[0]
    i = pos
    while i < n:
        c = buf[i]
        if c == 44 or c == 125 or c == 93 or c == 32 or c == 10 or c == 13 or c == 9:
            return i
        i += 1
    return -1

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
    Returns (status, pos, count, offending byte or value).
    """
    n = buf.shape[0]
    fields = out.shape[0]
    capacity = out.shape[0] * out.shape[1]
    i = pos
    while i < n:
        c = buf[i]
        if c >= 48 and c <= 57:
            start = i
            value = 0
            while i < n and buf[i] >= 48 and buf[i] <= 57:
                value = value * 10 + (buf[i] - 48)
                if value > _UINT32_MAX:
                    return TOO_BIG, start, count, 0
                i += 1
            if i == n and not final:
                return NEED_MORE, start, count, 0
            if count >= capacity:
                return OVERFLOW, start, count, 0
            out[count % fields, count // fields] = value
            count += 1
            continue
        if c == 44 or c == 32 or c == 10 or c == 13 or c == 9:  # , space \n \r \t
            i += 1
            continue
        if c == 93:  # ]
            return DONE, i + 1, count, 0
        if c == 45:  # -
            return NEGATIVE, i, count, c
        return BAD_CHAR, i, count, c
    return NEED_MORE, i, count, 0


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

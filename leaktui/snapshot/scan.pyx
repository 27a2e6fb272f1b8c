# cython: language_level=3
"""Compiled scanners of raw JSON bytes: unsigned-integer arrays, value extents, the spans of a
string array. Built at install by setup.py.

The array scanners run over one chunk of the file at a time and return where they stopped, so
the loader can stream a multi-gigabyte file through a bounded buffer; a chunk can also be cut
in two at a separator and its halves parsed on two threads (the scanners release the GIL). No
Python object is made per number.

numpy is imported by the functions that make arrays, not with the module: the number scanner
runs on buffers of any kind, before a command has imported numpy (`snapshot.early`).
"""

from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memchr, memcmp

# Status codes returned by the kernels.
NEED_MORE = 0  # ran out of input: call again with more bytes (carry buf[pos:] over)
DONE = 1  # reached the closing bracket of the array / the end of the value
BAD_CHAR = 2  # a byte that cannot appear in an array of non-negative integers
NEGATIVE = 3  # a minus sign: negative numbers are not allowed
OVERFLOW = 4  # more values than the header announced
TOO_BIG = 5  # a value that does not fit in 32 bits

cdef enum:
    S_NEED_MORE = 0
    S_DONE = 1
    S_BAD_CHAR = 2
    S_NEGATIVE = 3
    S_OVERFLOW = 4
    S_TOO_BIG = 5

# String spans (offsets into the strings section): uint32 below 4 GiB of strings, else int64.
ctypedef fused span_t:
    uint32_t
    int64_t

cdef uint64_t UINT32_MAX = 0xFFFFFFFF


cdef int _scan_uints(const uint8_t* buf, Py_ssize_t* pos_io, Py_ssize_t end, bint final,
                     uint32_t* out, Py_ssize_t fields, Py_ssize_t rows, Py_ssize_t row_stride,
                     Py_ssize_t* count_io, uint8_t* offending) noexcept nogil:
    """Numbers of ``buf[pos:end]`` into ``out`` (``fields`` rows of ``rows`` values,
    ``row_stride`` values apart; value number ``count`` goes to row count % fields, column
    count // fields). Updates pos and count; returns a status."""
    cdef Py_ssize_t count = count_io[0]
    cdef Py_ssize_t field = count % fields
    cdef Py_ssize_t row = count // fields
    cdef uint32_t* dst = out + field * row_stride + row
    cdef Py_ssize_t i = pos_io[0], start
    cdef uint64_t value
    cdef unsigned int d
    cdef uint8_t b
    cdef int status = S_NEED_MORE
    cdef Py_ssize_t safe
    cdef const uint8_t* found
    offending[0] = 0
    # The numbers that surely end before ``end`` and before the array's closing bracket, parsed
    # in a loop that checks neither (the bytes left over go through the loop after it, which
    # does): at most 1.5 ns a number instead of 3-6 with every check made per number.
    found = <const uint8_t*>memchr(buf + i, 93, end - i) if end > i else NULL  # ]
    safe = found - buf if found != NULL else end
    while safe > i and <unsigned int>buf[safe - 1] - 48u <= 9:
        safe -= 1  # a number touching the end: the checked loop decides (the chunk's last)
    # Below ``safe`` every run of digits ends at a byte that is not one, before ``safe``.
    # (Written out like the checked loop below on purpose: with the store and the step to the
    # next field in a shared inline function taking pointers, the parse took twice as long.)
    if row < rows:
        while i < safe:
            d = <unsigned int>buf[i] - 48u
            if d <= 9:
                start = i
                value = d
                i += 1
                d = <unsigned int>buf[i] - 48u
                while d <= 9:
                    value = value * 10 + d
                    i += 1
                    d = <unsigned int>buf[i] - 48u
                if (i - start > 10) | (value > UINT32_MAX):
                    i = start  # the checked loop says TOO_BIG
                    break
                dst[0] = <uint32_t>value
                count += 1
                field += 1
                if field == fields:
                    field = 0
                    row += 1
                    dst = out + row
                    if row >= rows:
                        break  # full: a number more is the checked loop's OVERFLOW
                else:
                    dst += row_stride
                continue
            b = buf[i]
            if b == 44 or b == 32 or b == 10 or b == 13 or b == 9:  # , space \n \r \t
                i += 1
                continue
            break  # anything else: the checked loop's to say
    while i < end:
        d = <unsigned int>buf[i] - 48u
        if d <= 9:
            start = i
            value = d
            i += 1
            while i < end:
                d = <unsigned int>buf[i] - 48u
                if d > 9:
                    break
                value = value * 10 + d  # more than 19 digits is TOO_BIG below before use
                i += 1
            if i == end and not final:
                i = start
                break
            if i - start > 10 or value > UINT32_MAX:
                i = start
                status = S_TOO_BIG
                break
            if row >= rows:
                i = start
                status = S_OVERFLOW
                break
            dst[0] = <uint32_t>value
            count += 1
            field += 1
            if field == fields:
                field = 0
                row += 1
                dst = out + row
            else:
                dst += row_stride
            continue
        b = buf[i]
        if b == 44 or b == 32 or b == 10 or b == 13 or b == 9:  # , space \n \r \t
            i += 1
            continue
        if b == 93:  # ]
            i += 1
            status = S_DONE
            break
        offending[0] = b
        status = S_NEGATIVE if b == 45 else S_BAD_CHAR  # - : a negative number
        break
    pos_io[0] = i
    count_io[0] = count
    return status


def scan_uint_columns(const uint8_t[::1] buf, Py_ssize_t pos, bint final, uint32_t[:, :] out,
                      Py_ssize_t count, Py_ssize_t end=-1):
    """Parse comma-separated non-negative integers from ``buf[pos:end]`` (``end`` -1: to the
    end of ``buf``) into ``out``.

    ``out`` has shape (fields, rows); value number ``count`` goes to
    ``out[count % fields, count // fields]``, so each row of ``out`` is one contiguous column.
    Stops at ``]`` (DONE), at a bad byte, or at ``end``. When ``final`` is false a number
    touching ``end`` is left unread (it may continue in the next chunk).
    Returns (status, pos, count, offending byte).
    """
    cdef Py_ssize_t stop = buf.shape[0] if end < 0 else end
    cdef int status
    cdef uint8_t offending
    if out.shape[0] == 0:
        raise ValueError("out has no fields")
    if out.shape[1] > 1 and out.strides[1] != sizeof(uint32_t):
        raise ValueError("each row of out must be contiguous")
    if not 0 <= pos <= stop <= buf.shape[0]:
        raise ValueError("pos and end must lie within buf")
    cdef uint32_t* data = &out[0, 0] if out.shape[1] else NULL
    cdef Py_ssize_t row_stride = out.strides[0] // <Py_ssize_t>sizeof(uint32_t)
    cdef const uint8_t* bytes_ = &buf[0] if buf.shape[0] else NULL
    with nogil:
        status = _scan_uints(bytes_, &pos, stop, final, data, out.shape[0], out.shape[1],
                             row_stride, &count, &offending)
    return status, pos, count, offending


cdef extern from *:
    """
    #include <sys/types.h>
    #include <sys/stat.h>
    #include <sys/mman.h>
    /* The flag another thread sets to stop a scan, read anew each time. */
    static int lt_flag_set(const unsigned char *flag) {
        return *(const volatile unsigned char *)flag != 0;
    }
    /* The size of the open file fd, or -1. */
    static long long lt_file_size(int fd) {
        struct stat st;
        return fstat(fd, &st) == 0 ? (long long)st.st_size : -1;
    }
    /* Let go of the mapped pages of [p, p + n) (whole pages; a read-only file mapping). */
    static void lt_release(const unsigned char *p, size_t n) {
    #ifdef MADV_DONTNEED
        if (n) madvise((void *)p, n, MADV_DONTNEED);
    #else
        (void)p; (void)n;
    #endif
    }
    """
    int lt_flag_set(const uint8_t* flag) nogil
    long long lt_file_size(int fd) nogil
    void lt_release(const uint8_t* p, size_t n) nogil


def scan_mapped_array(const uint8_t[::1] buf, Py_ssize_t pos, uint32_t[:, :] out,
                      Py_ssize_t count, const uint8_t[::1] stop, int fd, Py_ssize_t chunk,
                      Py_ssize_t limit=-1):
    """`scan_uint_columns` over a whole mapped file ``buf`` (file descriptor ``fd``) from
    ``pos``, a chunk at a time without the GIL, until the array ends, something is wrong, or
    ``stop[0]`` is set (looked at between chunks). Before each chunk the file must still hold
    it (a file cut short while mapped would end the process with SIGBUS: it stops there), and
    the whole pages behind it are let go of. ``buf`` must start at the mapping's first page.
    With ``limit`` it reads no further than that offset, as if it were asked to stop there.
    Returns (status, pos, count): DONE past the closing bracket, NEED_MORE where it stopped
    with the array unfinished, or the scanner's status for a problem."""
    cdef Py_ssize_t size = buf.shape[0], end, released = 0, done
    cdef Py_ssize_t stop_at = size if limit < 0 else min(limit, size)
    cdef int status = S_NEED_MORE
    cdef uint8_t offending
    cdef Py_ssize_t page = 4096
    if out.shape[0] == 0 or chunk <= 0 or stop.shape[0] == 0:
        raise ValueError("out needs fields, chunk a size and stop a flag")
    if out.shape[1] > 1 and out.strides[1] != sizeof(uint32_t):
        raise ValueError("each row of out must be contiguous")
    if not 0 <= pos <= size:
        raise ValueError("pos must lie within buf")
    cdef uint32_t* data = &out[0, 0] if out.shape[1] else NULL
    cdef Py_ssize_t row_stride = out.strides[0] // <Py_ssize_t>sizeof(uint32_t)
    cdef const uint8_t* bytes_ = &buf[0] if size else NULL
    cdef const uint8_t* flag = &stop[0]
    with nogil:
        while not lt_flag_set(flag) and pos < stop_at:
            end = min(pos + chunk, stop_at)
            if lt_file_size(fd) < end:
                break
            status = _scan_uints(bytes_, &pos, end, end == size, data, out.shape[0],
                                 out.shape[1], row_stride, &count, &offending)
            if status != S_NEED_MORE or end == stop_at:
                break
            done = (pos // page) * page
            if done > released:
                lt_release(bytes_ + released, done - released)
                released = done
    return status, pos, count


def scan_second_half(const uint8_t[::1] buf, Py_ssize_t lo, Py_ssize_t cut, Py_ssize_t hi,
                     bint final, uint32_t[:, :] out, Py_ssize_t count):
    """The second half ``buf[cut:hi]`` of a chunk cut at a comma (split_point), parsed while
    the first half ``buf[lo:cut]`` is parsed on another thread, straight into ``out``: its
    values are placed as if the first half held one value per comma in it, one fewer when it
    starts with a comma after earlier values (what a well-formed array of numbers holds;
    ``count`` values came before ``lo``). Returns (status, pos, count,
    offending byte, the count assumed at ``cut``) as scan_uint_columns; the caller checks the
    assumption against the first half's real count."""
    cdef Py_ssize_t i, commas = 0, row_stride, assumed
    cdef int status
    cdef uint8_t offending
    if out.shape[0] == 0:
        raise ValueError("out has no fields")
    if out.shape[1] > 1 and out.strides[1] != sizeof(uint32_t):
        raise ValueError("each row of out must be contiguous")
    if not 0 <= lo <= cut <= hi <= buf.shape[0]:
        raise ValueError("lo, cut and hi must lie within buf, in order")
    cdef uint32_t* data = &out[0, 0] if out.shape[1] else NULL
    row_stride = out.strides[0] // <Py_ssize_t>sizeof(uint32_t)
    cdef const uint8_t* bytes_ = &buf[0] if buf.shape[0] else NULL
    with nogil:
        for i in range(lo, cut):
            commas += bytes_[i] == 44
        # A chunk that starts at the comma after a value (the previous chunk ended between
        # them: V8 writes "...,7\n,0,..." and a window may end at the line break) has one
        # comma more than values.
        i = lo
        while i < cut and (bytes_[i] == 32 or bytes_[i] == 10 or bytes_[i] == 13
                           or bytes_[i] == 9):
            i += 1
        if i < cut and bytes_[i] == 44 and count > 0:
            commas -= 1
        assumed = count + commas
        count = assumed
        i = cut
        status = _scan_uints(bytes_, &i, hi, final, data, out.shape[0], out.shape[1],
                             row_stride, &count, &offending)
    return status, i, count, offending, assumed


def split_point(const uint8_t[::1] buf, Py_ssize_t lo, Py_ssize_t hi):
    """A cut near the middle of the numbers in ``buf[lo:hi]`` that falls on a comma, so both
    sides hold whole numbers: the index just past the comma, or -1 when there is none to cut
    at. When the array ends in there (its closing bracket: numbers hold none, so the first
    one is the end), the middle is that of the numbers before it, so the chunk that holds the
    end of `nodes` or `edges` is parsed on both cores too, in halves of equal work."""
    cdef Py_ssize_t i, cut = -1, close = hi
    cdef const uint8_t* found
    if not 0 <= lo <= hi <= buf.shape[0]:
        raise ValueError("lo and hi must lie within buf, in order")
    if hi == lo:
        return -1
    with nogil:
        found = <const uint8_t*>memchr(&buf[lo], 93, hi - lo)  # ]
        if found != NULL:
            close = found - &buf[0]
        i = lo + (close - lo) // 2
        while i < close:
            if buf[i] == 44:
                cut = i + 1
                break
            i += 1
    return cut


def check_edges(const uint32_t[::1] edge_type, const uint32_t[::1] edge_name,
                uint32_t[::1] edge_to, Py_ssize_t node_fields, Py_ssize_t node_count,
                Py_ssize_t string_count, numeric_named_mask):
    """Validate edges and turn ``edge_to`` node indexes into ordinals, in place.
    Returns (problem, edge, largest name index of the named edges before it): problem 0 ok,
    1 type out of range, 2 target inside a node, 3 target past the last node, 4 name index
    out of range. (The loader checks the edges before the string table is read, with no
    bound on names, and compares the largest name with the table's size after.)"""
    import numpy as np

    numeric = np.asarray(numeric_named_mask)
    cdef const uint8_t[::1] numeric_named = numeric.view(np.uint8) if numeric.dtype == np.bool_ \
        else numeric
    cdef Py_ssize_t n_types = numeric_named.shape[0]
    cdef Py_ssize_t e, to, q, bad = -1
    cdef uint32_t t, top = 0
    cdef int problem = 0
    with nogil:
        for e in range(edge_to.shape[0]):
            t = edge_type[e]
            if t >= n_types:
                problem = 1
                bad = e
                break
            to = edge_to[e]
            q = to // node_fields
            if q * node_fields != to:
                problem = 2
                bad = e
                break
            if q >= node_count:
                problem = 3
                bad = e
                break
            edge_to[e] = <uint32_t>q
            if not numeric_named[t]:
                if edge_name[e] >= string_count:
                    problem = 4
                    bad = e
                    break
                if edge_name[e] > top:
                    top = edge_name[e]
    return problem, bad, top


def scan_value_extent(const uint8_t[::1] buf, Py_ssize_t pos, Py_ssize_t depth, bint in_string,
                      bint escaped):
    """Find the end of one JSON value (object, array or string) starting at ``buf[pos]``.

    Resumable: pass back the returned depth/in_string/escaped with the next chunk.
    Returns (status, pos, depth, in_string, escaped); on DONE ``pos`` is just past the value.
    The caller guarantees the value starts with ``{``, ``[`` or ``"``. Inside a string it jumps
    with memchr to the next quote and backslash (the strings section is mostly string text).
    """
    cdef Py_ssize_t n = buf.shape[0]
    cdef Py_ssize_t i = pos, j
    cdef Py_ssize_t quote = -1  # the next quote at or after i, once looked for
    cdef Py_ssize_t slash = -1  # the next backslash at or after i, once looked for
    cdef const uint8_t* base = &buf[0] if n > 0 else NULL
    cdef const uint8_t* hit
    cdef uint8_t c
    cdef int status = S_NEED_MORE
    with nogil:
        while i < n:
            if in_string:
                if escaped:
                    escaped = False
                    i += 1
                    continue
                # The next quote or backslash: a few bytes looked at in place (most strings
                # are short), then memchr for each (found positions kept while still ahead).
                j = i
                while j < n and j < i + 32 and buf[j] != 34 and buf[j] != 92:
                    j += 1
                if j < n and buf[j] != 34 and buf[j] != 92:
                    if quote < j:
                        hit = <const uint8_t*>memchr(base + j, 34, n - j)
                        quote = n if hit == NULL else hit - base
                    if slash < j:
                        hit = <const uint8_t*>memchr(base + j, 92, n - j)
                        slash = n if hit == NULL else hit - base
                    j = quote if quote < slash else slash
                if j >= n:  # the string runs past this chunk
                    i = n
                    break
                i = j + 1
                if buf[j] == 92:  # skip the backslash and what it escapes
                    escaped = True
                    continue
                in_string = False
                if depth == 0:
                    status = S_DONE
                    break
                continue
            c = buf[i]
            if c == 34:
                in_string = True
            elif c == 123 or c == 91:  # { [
                depth += 1
            elif c == 125 or c == 93:  # } ]
                depth -= 1
                if depth == 0:
                    status = S_DONE
                    i += 1
                    break
                if depth < 0:
                    status = S_BAD_CHAR
                    break
            i += 1
    return status, i, depth, bool(in_string), bool(escaped)


def scan_scalar_extent(const uint8_t[::1] buf, Py_ssize_t pos):
    """End of a bare scalar (number, true, false, null) at ``buf[pos]``; -1 if it runs off."""
    cdef Py_ssize_t n = buf.shape[0]
    cdef Py_ssize_t i = pos
    cdef uint8_t c
    cdef Py_ssize_t found = -1
    with nogil:
        while i < n:
            c = buf[i]
            if c == 44 or c == 125 or c == 93 or c == 32 or c == 10 or c == 13 or c == 9:
                found = i
                break
            i += 1
    return found


# ---------------------------------------------------------------------------------- strings
def string_spans(const uint8_t[::1] buf, bint wide=True):
    """Spans of the string literals of a JSON array of strings, as int64 offsets, or uint32
    when not ``wide`` (the caller's choice: only for fewer than 2^32 bytes).
    Returns (status, starts, ends, has_escape, position of a problem); status 0 is ok,
    1 not an array, 2 something other than a string, 3 a raw control character, 4 truncated."""
    import numpy as np

    cdef Py_ssize_t n = buf.shape[0], j, quotes = 0
    if not wide and n > 0xFFFFFFFF:
        raise ValueError("uint32 spans need fewer than 2^32 bytes")
    with nogil:
        for j in range(n):  # an upper bound on the number of strings: two quotes each
            if buf[j] == 34:
                quotes += 1
    cdef Py_ssize_t cap = quotes // 2 + 1
    dtype = np.int64 if wide else np.uint32
    starts_arr = np.empty(cap, dtype=dtype)
    ends_arr = np.empty(cap, dtype=dtype)
    escaped_arr = np.zeros(cap, dtype=np.bool_)
    cdef Py_ssize_t count = 0
    cdef Py_ssize_t i = 0
    cdef int status
    if wide:
        status = _fill_spans[int64_t](buf, starts_arr, ends_arr, escaped_arr.view(np.uint8),
                                      &count, &i)
    else:
        status = _fill_spans[uint32_t](buf, starts_arr, ends_arr, escaped_arr.view(np.uint8),
                                       &count, &i)
    if status != 0:
        count = 0
    return status, starts_arr[:count], ends_arr[:count], escaped_arr[:count], i


cdef int _fill_spans(const uint8_t[::1] buf, span_t[::1] starts, span_t[::1] ends,
                     uint8_t[::1] escaped, Py_ssize_t* count_out, Py_ssize_t* pos_out):
    cdef Py_ssize_t n = buf.shape[0]
    cdef Py_ssize_t count = 0, i = 0, start
    cdef bint expect_value = True, esc
    cdef uint8_t c
    cdef int status = 4
    with nogil:
        while i < n and (buf[i] == 32 or buf[i] == 10 or buf[i] == 13 or buf[i] == 9):
            i += 1
        if i >= n or buf[i] != 91:  # [
            status = 1
        else:
            i += 1
            while i < n:
                c = buf[i]
                if c == 32 or c == 10 or c == 13 or c == 9:
                    i += 1
                    continue
                if c == 93 and (not expect_value or count == 0):  # ]
                    status = 0
                    break
                if c == 44 and not expect_value:  # ,
                    expect_value = True
                    i += 1
                    continue
                if c != 34 or not expect_value:  # "
                    status = 2
                    break
                i += 1
                start = i
                esc = False
                while i < n and buf[i] != 34:
                    if buf[i] == 92:
                        esc = True
                        i += 1
                    elif buf[i] < 32:
                        status = 3
                        break
                    i += 1
                if status == 3:
                    break
                if i >= n:
                    status = 4
                    break
                starts[count] = <span_t>start
                ends[count] = <span_t>i
                escaped[count] = esc
                count += 1
                i += 1
                expect_value = False
    count_out[0] = count
    pos_out[0] = i
    return status


def find_containing(const uint8_t[::1] buf, const span_t[::1] starts, const span_t[::1] ends,
                    candidates_mask, const uint8_t[::1] pattern):
    """Indexes among ``candidates`` (a mask) whose raw bytes contain ``pattern``."""
    import numpy as np

    cand = np.asarray(candidates_mask)
    cdef const uint8_t[::1] candidates = cand.view(np.uint8) if cand.dtype == np.bool_ else cand
    cdef Py_ssize_t m = pattern.shape[0]
    out_arr = np.empty(starts.shape[0], dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    cdef Py_ssize_t k = 0, i, j, q, s, last
    cdef bint same
    if m == 0:
        return np.flatnonzero(cand[:starts.shape[0]]).astype(np.int64)
    with nogil:
        for i in range(starts.shape[0]):
            if not candidates[i]:
                continue
            s = starts[i]
            last = ends[i] - m
            j = s
            while j <= last:
                if buf[j] == pattern[0]:
                    same = True
                    for q in range(1, m):
                        if buf[j + q] != pattern[q]:
                            same = False
                            break
                    if same:
                        out[k] = i
                        k += 1
                        break
                j += 1
    return out_arr[:k]


def find_prefixed(const uint8_t[::1] buf, const span_t[::1] starts, const span_t[::1] ends,
                  candidates_mask, const uint8_t[::1] pattern, bint exact):
    """Indexes among ``candidates`` whose raw bytes start with (or, if ``exact``, equal)
    ``pattern``."""
    import numpy as np

    cand = np.asarray(candidates_mask)
    cdef const uint8_t[::1] candidates = cand.view(np.uint8) if cand.dtype == np.bool_ else cand
    cdef Py_ssize_t m = pattern.shape[0]
    out_arr = np.empty(starts.shape[0], dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    cdef Py_ssize_t k = 0, i, q, length
    cdef Py_ssize_t n = min(starts.shape[0], candidates.shape[0])
    cdef bint same
    with nogil:
        for i in range(n):
            length = ends[i] - starts[i]
            if not candidates[i] or length < m or (exact and length != m):
                continue
            same = True
            for q in range(m):
                if buf[starts[i] + q] != pattern[q]:
                    same = False
                    break
            if same:
                out[k] = i
                k += 1
    return out_arr[:k]


def find_equal_any(const uint8_t[::1] buf, const span_t[::1] starts, const span_t[::1] ends,
                   const uint8_t[::1] patterns, const int64_t[::1] bounds):
    """Strings whose raw bytes equal one of several distinct patterns (pattern p is
    ``patterns[bounds[p]:bounds[p + 1]]``), in one pass over the table: a string is compared
    only with the patterns of its length (a table by length), so asking for many texts at
    once costs about what asking for one does.
    Returns (string indexes, pattern index of each), in string order."""
    import numpy as np

    cdef Py_ssize_t n = starts.shape[0], n_patterns = bounds.shape[0] - 1
    cdef Py_ssize_t k = 0, i, p, q, length
    cdef int64_t shortest = -1, longest = -1, size
    for p in range(n_patterns):
        size = bounds[p + 1] - bounds[p]
        shortest = size if shortest < 0 or size < shortest else shortest
        longest = size if size > longest else longest
    index_arr = np.empty(n if n_patterns > 0 else 0, dtype=np.int64)
    which_arr = np.empty(n if n_patterns > 0 else 0, dtype=np.int64)
    cdef int64_t[::1] index = index_arr
    cdef int64_t[::1] which = which_arr
    if n_patterns == 0:
        return index_arr, which_arr
    # Patterns ordered by length: those of length L are by_length[first[L - shortest]:
    # first[L - shortest + 1]].
    lengths = np.diff(np.asarray(bounds))
    by_length_arr = np.argsort(lengths, kind="stable").astype(np.int64)
    first_arr = np.searchsorted(lengths[by_length_arr],
                                np.arange(shortest, longest + 2)).astype(np.int64)
    cdef const int64_t[::1] by_length = by_length_arr
    cdef const int64_t[::1] first = first_arr
    with nogil:
        for i in range(n):
            length = ends[i] - starts[i]
            if length < shortest or length > longest:
                continue
            for q in range(first[length - shortest], first[length - shortest + 1]):
                p = by_length[q]  # distinct patterns: at most one is equal
                if length == 0 or memcmp(&buf[starts[i]], &patterns[bounds[p]], length) == 0:
                    index[k] = i
                    which[k] = p
                    k += 1
                    break
    return index_arr[:k], which_arr[:k]

# cython: language_level=3
"""Recycled pages for numpy's big arrays: a data-memory handler (NEP 49) that keeps the pages of
a freed big array mapped and hands them to the next big array, instead of returning them to the
system and faulting fresh ones in page by page.

Loading a big snapshot allocates and frees temporaries of tens to hundreds of MB in every phase
(each a fresh mapping: see `loader.return_big_frees_to_the_os`); the kernel zeroes and maps each
of their pages at first touch. On a 1 GB snapshot that was 1.04M page faults for a 1.5 GB peak:
about a third of the process's CPU went to the system. Here a freed array of 1 MiB or more
(BIG) goes to a cache of mapped regions; the next big allocation takes the smallest cached
region that holds it (its excess tail unmapped), or grows the largest one with mremap (its
pages kept, only the new tail faulted in), or maps fresh memory.

The cache never raises the peak: live big arrays plus cached regions stay at or below the most
memory the live big arrays ever held together (cached regions are unmapped first when a fresh
mapping would pass that). So the resident memory of the big arrays is never above what it was
without the cache; only the faults and the zeroing of reused pages differ.

Allocations under BIG, and pointers this handler did not map, go to numpy's default handler.
The handler is installed per context (numpy keeps it in a context variable) by `begin`, and the
cache is let go by the `end` that closes the outermost `begin` (`_memory.recycling`).
"""

from cpython.pycapsule cimport PyCapsule_GetPointer, PyCapsule_IsValid, PyCapsule_New
from cpython.pythread cimport (
    WAIT_LOCK,
    PyThread_acquire_lock,
    PyThread_allocate_lock,
    PyThread_release_lock,
    PyThread_type_lock,
)
from libc.stdint cimport uint8_t
from libc.string cimport memset, strcmp, strncpy

cdef extern from *:
    """
    #include <sys/mman.h>
    #include <string.h>
    static void *lt_map(size_t n) {
        void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    static void lt_unmap(void *p, size_t n) { if (n) munmap(p, n); }
    #include <fcntl.h>
    #include <unistd.h>
    #include <stdlib.h>
    /* The process's resident memory in bytes (/proc/self/statm), or 0 where unknown. */
    static size_t lt_resident(void) {
        char buf[128];
        int fd = open("/proc/self/statm", O_RDONLY);
        ssize_t n;
        char *p;
        if (fd < 0) return 0;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0) return 0;
        buf[n] = 0;
        p = strchr(buf, ' ');
        if (p == NULL) return 0;
        return (size_t)strtoull(p + 1, NULL, 10) * (size_t)sysconf(_SC_PAGESIZE);
    }
    /* Moves the mapping's pages to a mapping of n bytes (a new tail is zero); NULL if it
       cannot (the old mapping is then untouched). */
    static void *lt_remap(void *p, size_t old, size_t n) {
    #ifdef __linux__
        void *q = mremap(p, old, n, MREMAP_MAYMOVE);
        return q == MAP_FAILED ? NULL : q;
    #else
        void *q = lt_map(n);
        if (q == NULL) return NULL;
        memcpy(q, p, old < n ? old : n);
        munmap(p, old);
        return q;
    #endif
    }
    """
    void* lt_map(size_t n) nogil
    void lt_unmap(void* p, size_t n) nogil
    size_t lt_resident() nogil
    void* lt_remap(void* p, size_t old, size_t n) nogil

ctypedef void* (*malloc_f)(void* ctx, size_t size) noexcept nogil
ctypedef void* (*calloc_f)(void* ctx, size_t nelem, size_t elsize) noexcept nogil
ctypedef void* (*realloc_f)(void* ctx, void* ptr, size_t new_size) noexcept nogil
ctypedef void (*free_f)(void* ctx, void* ptr, size_t size) noexcept nogil

# numpy's PyDataMem_Handler, version 1 (ndarraytypes.h; the ABI numpy keeps).
ctypedef struct Allocator:
    void* ctx
    malloc_f malloc
    calloc_f calloc
    realloc_f realloc
    free_f free

ctypedef struct Handler:
    char name[127]
    uint8_t version
    Allocator allocator

ctypedef struct Region:
    char* addr
    size_t length

# numpy's C API table: entries 304 and 305 are PyDataMem_SetHandler and PyDataMem_GetHandler
# (since numpy 1.22; the table only grows, so indexes never change).
ctypedef object (*set_handler_f)(object)
ctypedef object (*get_handler_f)()
cdef enum:
    SET_HANDLER = 304
    GET_HANDLER = 305

cdef size_t BIG_BYTES = 1 << 20
BIG = BIG_BYTES
"""Arrays of this many bytes or more are recycled; smaller ones go to numpy's default."""

cdef size_t PAGE = 4096
cdef enum:
    MAX_LIVE = 1 << 16  # big arrays alive at once that can be recycled (more: numpy's)
    MAX_CACHED = 256

cdef Region _live[MAX_LIVE]
cdef Py_ssize_t _n_live = 0
cdef Region _cache[MAX_CACHED]
cdef Py_ssize_t _n_cached = 0
cdef size_t _live_bytes = 0, _cached_bytes = 0, _max_live = 0
cdef size_t _rss_high = 0  # the most resident memory seen while a block is open
cdef size_t _reused = 0, _regrown = 0, _mapped = 0, _released = 0
cdef int _depth = 0  # open `begin`s; the cache is used only while there is one
cdef PyThread_type_lock _lock = NULL
cdef Handler _ours
cdef Handler* _default = NULL
cdef object _capsule = None
cdef set_handler_f _set_handler = NULL
cdef get_handler_f _get_handler = NULL


cdef inline size_t _pages(size_t size) noexcept nogil:
    return (size + PAGE - 1) & ~(PAGE - 1) if size else PAGE


cdef Py_ssize_t _find_live(void* ptr) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(_n_live - 1, -1, -1):  # the newest first: temporaries die young
        if _live[i].addr == ptr:
            return i
    return -1


cdef Region _pop_cached(Py_ssize_t i) noexcept nogil:
    """Cached region ``i``, out of the cache (still mapped)."""
    global _n_cached, _cached_bytes
    cdef Region r = _cache[i]
    _cached_bytes -= r.length
    _n_cached -= 1
    _cache[i] = _cache[_n_cached]
    return r


cdef void _drop_cached(Py_ssize_t i) noexcept nogil:
    global _released
    cdef Region r = _pop_cached(i)
    lt_unmap(r.addr, r.length)
    _released += 1


cdef Py_ssize_t _largest_cached() noexcept nogil:
    cdef Py_ssize_t i, best = -1
    for i in range(_n_cached):
        if best < 0 or _cache[i].length > _cache[best].length:
            best = i
    return best


cdef void _keep_under_peak(size_t fresh) noexcept nogil:
    """Unmap cached regions until live + cached is at most the highest live total, and until
    the process's resident memory plus ``fresh`` bytes about to be touched is at most the
    most it was seen to hold (the rest of the process grows too: its Python objects, the
    file's pages)."""
    global _rss_high
    cdef size_t rss
    cdef Py_ssize_t i
    while _n_cached and _live_bytes + _cached_bytes > _max_live:
        _drop_cached(_largest_cached())
    if not _n_cached:
        return
    rss = lt_resident()
    if rss > _rss_high:
        _rss_high = rss
    while _n_cached and rss and rss + fresh > _rss_high:
        i = _largest_cached()
        rss -= min(rss, _cache[i].length)
        _drop_cached(i)


cdef char* _take(size_t length, bint zero, size_t* fresh) noexcept nogil:
    """A region of ``length`` bytes from the cache (trimmed or grown), or NULL; ``fresh``
    gets how many of its bytes are new pages."""
    global _reused, _regrown
    cdef Py_ssize_t i, best = -1
    cdef Region r
    cdef char* grown
    for i in range(_n_cached):
        if _cache[i].length >= length and (best < 0 or _cache[i].length < _cache[best].length):
            best = i
    if best >= 0:
        r = _pop_cached(best)
        lt_unmap(r.addr + length, r.length - length)
        if zero:
            memset(r.addr, 0, length)
        _reused += 1
        return r.addr
    best = _largest_cached()
    if best < 0:
        return NULL
    r = _cache[best]
    grown = <char*>lt_remap(r.addr, r.length, length)
    if grown == NULL:
        return NULL
    _pop_cached(best)
    if zero:
        memset(grown, 0, r.length)  # the new tail is zero already
    fresh[0] = length - r.length
    _regrown += 1
    return grown


cdef void* _big(size_t size, bint zero) noexcept nogil:
    global _n_live, _live_bytes, _max_live, _mapped
    cdef size_t length = _pages(size)
    cdef char* p = NULL
    PyThread_acquire_lock(_lock, WAIT_LOCK)
    if _n_live >= MAX_LIVE:
        PyThread_release_lock(_lock)
        if zero:
            return _default.allocator.calloc(_default.allocator.ctx, 1, size)
        return _default.allocator.malloc(_default.allocator.ctx, size)
    cdef size_t fresh = 0
    if _depth > 0:
        p = _take(length, zero, &fresh)
    if p == NULL:
        p = <char*>lt_map(length)
        if p == NULL:
            PyThread_release_lock(_lock)
            return NULL
        _mapped += 1
        fresh = length
    _live[_n_live].addr = p
    _live[_n_live].length = length
    _n_live += 1
    _live_bytes += length
    if _live_bytes > _max_live:
        _max_live = _live_bytes
    _keep_under_peak(fresh)
    PyThread_release_lock(_lock)
    return p


cdef void* _malloc(void* ctx, size_t size) noexcept nogil:
    if size < BIG_BYTES:
        return _default.allocator.malloc(_default.allocator.ctx, size)
    return _big(size, False)


cdef void* _calloc(void* ctx, size_t nelem, size_t elsize) noexcept nogil:
    if elsize and nelem > (<size_t>-1) // elsize:
        return NULL
    if nelem * elsize < BIG_BYTES:
        return _default.allocator.calloc(_default.allocator.ctx, nelem, elsize)
    return _big(nelem * elsize, True)


cdef void* _realloc(void* ctx, void* ptr, size_t new_size) noexcept nogil:
    global _live_bytes, _max_live
    cdef Py_ssize_t i
    cdef size_t length, old
    cdef char* q
    if ptr == NULL:
        return _malloc(ctx, new_size)
    PyThread_acquire_lock(_lock, WAIT_LOCK)
    i = _find_live(ptr)
    if i < 0:  # numpy's own allocation stays numpy's
        PyThread_release_lock(_lock)
        return _default.allocator.realloc(_default.allocator.ctx, ptr, new_size)
    length = _pages(new_size)
    q = <char*>lt_remap(_live[i].addr, _live[i].length, length)
    if q != NULL:
        old = _live[i].length
        _live_bytes = _live_bytes - old + length
        _live[i].addr = q
        _live[i].length = length
        if _live_bytes > _max_live:
            _max_live = _live_bytes
        _keep_under_peak(length - min(length, old))
    PyThread_release_lock(_lock)
    return q


cdef void _free(void* ctx, void* ptr, size_t size) noexcept nogil:
    global _n_live, _live_bytes, _n_cached, _cached_bytes
    cdef Py_ssize_t i
    cdef Region r
    if ptr == NULL:
        return
    PyThread_acquire_lock(_lock, WAIT_LOCK)
    i = _find_live(ptr)
    if i < 0:
        PyThread_release_lock(_lock)
        _default.allocator.free(_default.allocator.ctx, ptr, size)
        return
    r = _live[i]
    _n_live -= 1
    _live[i] = _live[_n_live]
    _live_bytes -= r.length
    if _depth > 0:
        if _n_cached == MAX_CACHED:
            _drop_cached(0)
        _cache[_n_cached] = r
        _n_cached += 1
        _cached_bytes += r.length
    else:
        lt_unmap(r.addr, r.length)
    PyThread_release_lock(_lock)


cdef bint _install() except -1:
    """Find numpy's handler functions and make ours, once; False where numpy has none."""
    global _lock, _default, _capsule, _set_handler, _get_handler, _default_capsule
    if _capsule is not None:
        return True
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:
        from numpy.core import _multiarray_umath as umath  # numpy 1
    api_capsule = getattr(umath, "_ARRAY_API", None)
    if api_capsule is None or not PyCapsule_IsValid(api_capsule, NULL):
        return False
    cdef void** api = <void**>PyCapsule_GetPointer(api_capsule, NULL)
    _get_handler = <get_handler_f>api[GET_HANDLER]
    _set_handler = <set_handler_f>api[SET_HANDLER]
    current = _get_handler()
    if not PyCapsule_IsValid(current, b"mem_handler"):
        return False
    cdef Handler* default = <Handler*>PyCapsule_GetPointer(current, b"mem_handler")
    if default.version != 1 or strcmp(default.name, b"default_allocator") != 0:
        return False  # someone else's handler is in place: leave it alone
    _default = default
    _lock = PyThread_allocate_lock()
    if _lock == NULL:
        return False
    strncpy(_ours.name, b"leaktui_recycling_allocator", 126)
    _ours.version = 1
    _ours.allocator.ctx = NULL
    _ours.allocator.malloc = _malloc
    _ours.allocator.calloc = _calloc
    _ours.allocator.realloc = _realloc
    _ours.allocator.free = _free
    # The default handler capsule is kept alive by numpy itself (PyDataMem_DefaultHandler);
    # `current` is held too, so `_default` stays valid.
    _capsule = PyCapsule_New(&_ours, b"mem_handler", NULL)
    _default_capsule = current
    return True


_default_capsule = None


def available():
    """Whether numpy lets leaktui recycle its big arrays' pages."""
    return _install()


def begin():
    """Recycle big arrays allocated in the current context from now on (numpy's handler is a
    context variable: threads started with a copy of this context recycle too). Returns
    what `end` needs to put the previous handler back, or None where recycling is not
    available."""
    global _depth, _max_live, _rss_high
    if not _install():
        return None
    PyThread_acquire_lock(_lock, WAIT_LOCK)
    if _depth == 0:  # the peaks to stay under are this block's own
        _max_live = _live_bytes
        _rss_high = lt_resident()
    _depth += 1
    PyThread_release_lock(_lock)
    return _set_handler(_capsule)


def end(previous):
    """Undo a `begin` (``previous`` is what it returned) in the same context. When no `begin`
    is open any more, the cached regions are unmapped and later frees unmap at once."""
    global _depth, _max_live
    if previous is None:
        return
    _set_handler(previous)
    PyThread_acquire_lock(_lock, WAIT_LOCK)
    _depth -= 1
    if _depth == 0:
        while _n_cached:
            _drop_cached(_n_cached - 1)
        _max_live = _live_bytes
    PyThread_release_lock(_lock)


def stats():
    """Counters, for tests and benchmarks."""
    if not _install():
        return {}
    PyThread_acquire_lock(_lock, WAIT_LOCK)
    out = {"live_bytes": _live_bytes, "cached_bytes": _cached_bytes, "max_live": _max_live,
           "live": _n_live, "cached": _n_cached, "reused": _reused, "regrown": _regrown,
           "mapped": _mapped, "released": _released, "depth": _depth}
    PyThread_release_lock(_lock)
    return out

# cython: language_level=3
"""Compiled reachability for the suspects (built at install by setup.py).

`grown_reach` walks the graph from a suspect's items (multi-source, depth first with an
explicit stack) and adds up the bytes of the objects it reaches that may be counted: what
explains a leak's growth. Several suspects share one ``stamp`` array (the visited mark of the
walk in progress, so nothing is cleared between walks) and one ``owner`` array (the first walk
that counted each object), so the bytes two suspects both reach are known without a second
pass. Loops release the GIL.
"""

import numpy as np

from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t, uint32_t
from libc.stdlib cimport free, malloc, realloc

ctypedef fused offset_t:
    uint32_t
    int64_t

# Self sizes: uint32, or int64 when folding gave an owner 4 GiB or more (snapshot/kernels.pyx).
ctypedef fused size_t_:
    uint32_t
    int64_t

# Walk marks per node: int16 while there are fewer than 2^15 - 1 walks (half the memory of a
# node-sized array), else int32.
ctypedef fused mark_t:
    int16_t
    int32_t


def grown_reach(const offset_t[::1] first_edge, const uint32_t[::1] edge_to,
                const uint8_t[::1] edge_type, const size_t_[::1] self_size,
                const uint8_t[::1] kind, const uint32_t[::1] dominator,
                const int32_t[::1] distance, int32_t min_distance,
                const uint8_t[::1] skip_edge_type, const int64_t[::1] starts,
                const int64_t[::1] stops, mark_t[::1] stamp, int32_t mark,
                mark_t[::1] owner, int64_t[::1] shared_bytes, int count_old):
    """Bytes of the new objects reached from ``starts`` (with ``count_old``, of the old
    ones entered too: one snapshot, where nothing is new). ``kind[v]``: 0 never entered (code,
    roots, shapes), 1 old (entered only when its dominator was visited by this walk: storage
    the items own, such as an array allocated before the first snapshot and filled since,
    not shared state), 2 new (entered and counted). Objects nearer to a root than
    ``min_distance`` are not entered; edges whose type is flagged in ``skip_edge_type`` are
    not followed; ``stops`` are never entered. The starts are entered (counted when new).

    ``stamp[v] == mark`` marks what this walk visited; ``owner[v]`` is the walk (its mark)
    that first counted ``v`` (-1: none yet); ``shared_bytes[j]`` gains the bytes this walk
    counts that walk ``j`` counted before. Returns (bytes, objects) counted."""
    cdef Py_ssize_t cap = 4096, top = 0, i
    cdef int64_t v, t, e, lo, hi, total = 0, objects = 0
    cdef int64_t n_starts = starts.shape[0]
    cdef int32_t o
    cdef mark_t m = <mark_t>mark
    cdef int failed = 0
    cdef uint8_t k
    # Node ordinals fit in 32 bits (the dominators are uint32): half the stack of int64s.
    cdef uint32_t* stack = <uint32_t*> malloc(cap * sizeof(uint32_t))
    cdef uint32_t* grown
    if stack == NULL:
        raise MemoryError()
    with nogil:
        for i in range(stops.shape[0]):
            stamp[stops[i]] = m
        for i in range(n_starts):
            v = starts[i]
            if stamp[v] == m:
                continue
            stamp[v] = m
            if kind[v] == 2 or (count_old and kind[v] == 1):
                total += self_size[v]
                objects += 1
                o = owner[v]
                if o < 0:
                    owner[v] = m
                elif o != m:
                    shared_bytes[o] += self_size[v]
            if top == cap:
                cap *= 2
                grown = <uint32_t*> realloc(stack, cap * sizeof(uint32_t))
                if grown == NULL:
                    failed = 1
                    break
                stack = grown
            stack[top] = <uint32_t>v
            top += 1
        while top > 0 and not failed:
            top -= 1
            v = stack[top]
            lo = first_edge[v]
            hi = first_edge[v + 1]
            for e in range(lo, hi):
                if skip_edge_type[edge_type[e]]:
                    continue
                t = edge_to[e]
                if stamp[t] == m:
                    continue
                k = kind[t]
                if k == 0 or distance[t] < min_distance:
                    stamp[t] = m
                    continue
                if k == 1:
                    if stamp[dominator[t]] != m:
                        continue  # shared state (may be entered later, from its owner)
                    stamp[t] = m
                if k == 2 or count_old:
                    stamp[t] = m
                    total += self_size[t]
                    objects += 1
                    o = owner[t]
                    if o < 0:
                        owner[t] = m
                    elif o != m:
                        shared_bytes[o] += self_size[t]
                if top == cap:
                    cap *= 2
                    grown = <uint32_t*> realloc(stack, cap * sizeof(uint32_t))
                    if grown == NULL:
                        failed = 1
                        break
                    stack = grown
                stack[top] = <uint32_t>t
                top += 1
    free(stack)
    if failed:
        raise MemoryError()
    return int(total), int(objects)


# Link arrays: uint32 while node and edge ordinals fit (half the memory), else int64.
ctypedef fused link_t:
    uint32_t
    int64_t


cdef inline bint _is_link(const offset_t[::1] first_edge, const uint32_t[::1] edge_to,
                          const uint8_t[::1] edge_type, const int32_t[::1] class_id,
                          const uint8_t[::1] node_type, uint8_t e_property, uint8_t t_object,
                          Py_ssize_t v, int64_t e) noexcept nogil:
    cdef int64_t t = edge_to[e]
    return (edge_type[e] == e_property and t != v and node_type[t] == t_object
            and class_id[t] == class_id[v])


cdef void _fill_links(const offset_t[::1] first_edge, const uint32_t[::1] edge_to,
                      const uint8_t[::1] edge_type, const int32_t[::1] class_id,
                      const uint8_t[::1] node_type, uint8_t e_property, uint8_t t_object,
                      link_t[::1] src, link_t[::1] edges) noexcept nogil:
    cdef Py_ssize_t n = node_type.shape[0], v
    cdef int64_t e, found = 0
    for v in range(n):
        if node_type[v] != t_object:
            continue
        for e in range(<int64_t> first_edge[v], <int64_t> first_edge[v + 1]):
            if _is_link(first_edge, edge_to, edge_type, class_id, node_type, e_property,
                        t_object, v, e):
                src[found] = <link_t> v
                edges[found] = <link_t> e
                found += 1


def same_class_links(const offset_t[::1] first_edge, const uint32_t[::1] edge_to,
                     const uint8_t[::1] edge_type, const int32_t[::1] class_id,
                     const uint8_t[::1] node_type, uint8_t e_property, uint8_t t_object,
                     bint narrow=False):
    """Property edges from an object to another object of its own class (the links of
    linked structures): (source ordinal, edge ordinal) of each, in edge order; uint32 arrays
    with ``narrow`` (the caller knows the ordinals fit), else int64."""
    cdef Py_ssize_t n = node_type.shape[0], v
    cdef int64_t e, found = 0
    with nogil:
        for v in range(n):
            if node_type[v] != t_object:
                continue
            for e in range(<int64_t> first_edge[v], <int64_t> first_edge[v + 1]):
                if _is_link(first_edge, edge_to, edge_type, class_id, node_type, e_property,
                            t_object, v, e):
                    found += 1
    src_arr = np.empty(found, dtype=np.uint32 if narrow else np.int64)
    edge_arr = np.empty(found, dtype=np.uint32 if narrow else np.int64)
    cdef uint32_t[::1] src32, edges32
    cdef int64_t[::1] src64, edges64
    if narrow:
        src32, edges32 = src_arr, edge_arr
        with nogil:
            _fill_links(first_edge, edge_to, edge_type, class_id, node_type, e_property,
                        t_object, src32, edges32)
    else:
        src64, edges64 = src_arr, edge_arr
        with nogil:
            _fill_links(first_edge, edge_to, edge_type, class_id, node_type, e_property,
                        t_object, src64, edges64)
    return src_arr, edge_arr


def chain_labels(const int64_t[::1] nxt):
    """Members 0..n-1 of linked chains, ``nxt[i]`` the member ``i`` links to (-1: none or
    not a member): the first member of each one's chain (a member no other links to; in a
    ring with no such member, the first one met). A member linked to by two others joins the
    chain met first."""
    cdef Py_ssize_t n = nxt.shape[0], i
    cdef int64_t j, start
    label_arr = np.full(n, -1, dtype=np.int64)
    indeg_arr = np.zeros(n, dtype=np.int32)
    cdef int64_t[::1] label = label_arr
    cdef int32_t[::1] indeg = indeg_arr
    with nogil:
        for i in range(n):
            if nxt[i] >= 0:
                indeg[nxt[i]] += 1
        for start in range(n):
            if indeg[start] != 0 or label[start] >= 0:
                continue
            j = start
            while j >= 0 and label[j] < 0:
                label[j] = start
                j = nxt[j]
        for start in range(n):  # rings
            if label[start] >= 0:
                continue
            j = start
            while j >= 0 and label[j] < 0:
                label[j] = start
                j = nxt[j]
    return label_arr

# cython: language_level=3
"""Compiled kernels for string contents: the leaves of concatenated strings.

Conventions as in _native.pyx: nodes are ordinals, edges 0..E-1, typed memoryviews in, numpy
arrays out, loops without the GIL.
"""

import numpy as np

from libc.stdint cimport int64_t, uint8_t, uint32_t

ctypedef fused offset_t:
    uint32_t
    int64_t


cdef Py_ssize_t _walk(int64_t start, const uint8_t[::1] node_type,
                      const uint32_t[::1] node_name, const offset_t[::1] first_edge,
                      const uint8_t[::1] edge_type, const uint32_t[::1] edge_name,
                      const uint32_t[::1] edge_to, Py_ssize_t t_cons, Py_ssize_t e_internal,
                      int64_t first_string, int64_t second_string, Py_ssize_t max_leaves,
                      int64_t[::1] stack, uint32_t[::1] out, Py_ssize_t at,
                      bint fill) noexcept nogil:
    """Leaves of one string (depth first, `first` before `second`); returns how many, writing
    them at out[at:] when ``fill``."""
    cdef Py_ssize_t top = 1, count = 0, stack_cap = stack.shape[0]
    cdef int64_t v, first, second, e, name
    stack[0] = start
    while top > 0 and count < max_leaves:
        top -= 1
        v = stack[top]
        if node_type[v] != t_cons:
            if fill:
                out[at + count] = node_name[v]
            count += 1
            continue
        first = 0
        second = 0
        e = first_edge[v]
        while e < <int64_t>first_edge[v + 1] and (first == 0 or second == 0):
            if edge_type[e] == e_internal:
                name = edge_name[e]
                if name == first_string:
                    first = edge_to[e]
                elif name == second_string:
                    second = edge_to[e]
            e += 1
        if top + 2 > stack_cap:
            break
        stack[top] = second
        stack[top + 1] = first
        top += 2
    return count


def cons_string_leaves(const int64_t[::1] cons_nodes, const uint8_t[::1] node_type,
                       const uint32_t[::1] node_name, const offset_t[::1] first_edge,
                       const uint8_t[::1] edge_type, const uint32_t[::1] edge_name,
                       const uint32_t[::1] edge_to, Py_ssize_t t_cons, Py_ssize_t e_internal,
                       int64_t first_string, int64_t second_string, Py_ssize_t max_leaves):
    """The leaf strings of each concatenated string, left to right, as DevTools walks them
    (`consStringName`: depth first through the internal `first` and `second` edges, a missing
    edge standing for node 0). Returns (offsets int64[len(cons_nodes)+1], leaves uint32 string
    indexes). At most ``max_leaves`` leaves are kept per string (the caller cuts at DevTools'
    1024 characters, which needs the leaves' lengths)."""
    cdef Py_ssize_t n = cons_nodes.shape[0], i
    offsets_arr = np.zeros(n + 1, dtype=np.int64)
    cdef int64_t[::1] offsets = offsets_arr
    stack_arr = np.empty(2 * max_leaves + 8, dtype=np.int64)
    cdef int64_t[::1] stack = stack_arr
    dummy_arr = np.empty(1, dtype=np.uint32)
    cdef uint32_t[::1] leaves = dummy_arr
    with nogil:
        for i in range(n):
            offsets[i + 1] = offsets[i] + _walk(
                cons_nodes[i], node_type, node_name, first_edge, edge_type, edge_name, edge_to,
                t_cons, e_internal, first_string, second_string, max_leaves, stack, leaves, 0,
                False)
    leaves_arr = np.empty(offsets_arr[n], dtype=np.uint32)
    leaves = leaves_arr
    with nogil:
        for i in range(n):
            _walk(cons_nodes[i], node_type, node_name, first_edge, edge_type, edge_name,
                  edge_to, t_cons, e_internal, first_string, second_string, max_leaves, stack,
                  leaves, offsets[i], True)
    return offsets_arr, leaves_arr

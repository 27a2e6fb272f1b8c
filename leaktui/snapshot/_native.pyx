# cython: language_level=3
"""Compiled graph kernels (built at install by setup.py; no JIT at run time).

Conventions as in kernels.py: nodes are ordinals 0..N-1, edges 0..E-1, typed memoryviews in,
numpy arrays out; loops release the GIL so a TUI thread keeps running beside them.
"""

import numpy as np

from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t


def sum_by_type(const uint8_t[::1] node_type, const uint32_t[::1] size, Py_ssize_t n_types):
    """Sum of self sizes per node type (int64, exact)."""
    out_arr = np.zeros(n_types, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    cdef Py_ssize_t v, n = node_type.shape[0]
    with nogil:
        for v in range(n):
            out[node_type[v]] += size[v]
    return out_arr


def dominated_outermost(const uint32_t[::1] first_dominated, const uint32_t[::1] dominated,
                        const int32_t[::1] class_id, const int64_t[::1] holders,
                        Py_ssize_t n_classes, Py_ssize_t limit):
    """The objects the ``holders`` dominate (their dominator subtrees, depth first, at most
    ``limit``), and per object whether it is the outermost of its class: no object between it
    and its holder is of its class, so summing the retained sizes of the outermost objects of a
    class never counts a byte twice (a closure inside a closure is inside the outer one)."""
    nodes_arr = np.empty(limit, dtype=np.int64)
    outer_arr = np.zeros(limit, dtype=np.uint8)
    cdef int64_t[::1] nodes = nodes_arr
    cdef uint8_t[::1] outer = outer_arr
    on_path_arr = np.zeros(n_classes, dtype=np.int32)
    cdef int32_t[::1] on_path = on_path_arr
    stack_node_arr = np.empty(limit + 1, dtype=np.int64)
    stack_pos_arr = np.empty(limit + 1, dtype=np.int64)
    cdef int64_t[::1] stack_node = stack_node_arr
    cdef int64_t[::1] stack_pos = stack_pos_arr
    cdef Py_ssize_t count = 0, depth, h, n_holders = holders.shape[0]
    cdef int64_t top, child
    cdef int32_t c
    with nogil:
        for h in range(n_holders):
            if count >= limit:
                break
            stack_node[0] = holders[h]
            stack_pos[0] = first_dominated[holders[h]]
            depth = 1
            while depth > 0:
                top = stack_node[depth - 1]
                if stack_pos[depth - 1] < first_dominated[top + 1] and count < limit:
                    child = dominated[stack_pos[depth - 1]]
                    stack_pos[depth - 1] += 1
                    c = class_id[child]
                    nodes[count] = child
                    outer[count] = on_path[c] == 0
                    count += 1
                    on_path[c] += 1
                    stack_node[depth] = child
                    stack_pos[depth] = first_dominated[child]
                    depth += 1
                else:
                    depth -= 1
                    if depth > 0:  # the holder itself is not on the path
                        on_path[class_id[top]] -= 1
    return nodes_arr[:count], outer_arr[:count].astype(np.bool_)


def outermost_holders(const uint32_t[::1] dominator, const int64_t[::1] holders,
                      Py_ssize_t root):
    """Per holder: True when no other holder dominates it (a closure wrapped by another one of
    the group is inside it). One walk up the dominator tree per holder, remembered per node, so
    long chains cost their length once."""
    cdef Py_ssize_t n = dominator.shape[0], n_holders = holders.shape[0]
    is_holder_arr = np.zeros(n, dtype=np.uint8)
    memo_arr = np.zeros(n, dtype=np.uint8)  # 1: a holder at or above it, 2: none
    out_arr = np.zeros(n_holders, dtype=np.uint8)
    path_arr = np.empty(n + 1, dtype=np.int64)
    cdef uint8_t[::1] is_holder = is_holder_arr
    cdef uint8_t[::1] memo = memo_arr
    cdef uint8_t[::1] out = out_arr
    cdef int64_t[::1] path = path_arr
    cdef Py_ssize_t h, depth, i
    cdef int64_t v
    cdef uint8_t found
    with nogil:
        for h in range(n_holders):
            is_holder[holders[h]] = 1
        for h in range(n_holders):
            v = holders[h]
            depth = 0
            found = 2
            while v != root:
                v = dominator[v]
                if v == root:
                    break
                if is_holder[v]:
                    found = 1
                    break
                if memo[v]:
                    found = memo[v]
                    break
                path[depth] = v
                depth += 1
            for i in range(depth):
                memo[path[i]] = found
            out[h] = found == 2
    return out_arr.astype(np.bool_)

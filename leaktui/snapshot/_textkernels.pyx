# cython: language_level=3
"""Compiled kernels for string contents: the leaves of concatenated strings, and the
duplicated-string groups (candidates, grouping by key without sorting).

Conventions as in kernels.pyx: nodes are ordinals, edges 0..E-1, typed memoryviews in, numpy
arrays out, loops without the GIL.
"""

import numpy as np

from libc.stdint cimport int64_t, uint8_t, uint32_t

# String spans (strings.py): uint32 below 4 GiB of strings, else int64.
ctypedef fused span_t:
    uint32_t
    int64_t

ctypedef fused offset_t:
    uint32_t
    int64_t

# Self sizes: uint32, or int64 when folding gave an owner 4 GiB or more (kernels.pyx).
ctypedef fused size_t_:
    uint32_t
    int64_t

# Duplicated strings' group keys: uint32, or int64 past 2^32 - 1 keys.
ctypedef fused retained_t:  # retained sizes: uint32 below a 4 GiB heap, else int64
    uint32_t
    int64_t

ctypedef fused key_t:
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


# ------------------------------------------------------------------------ duplicated strings
def string_candidates(const uint8_t[::1] node_type, const size_t_[::1] self_size,
                      Py_ssize_t t_string, Py_ssize_t t_cons):
    """(candidates, split): the ordinals (uint32), in node order, of every node of either type
    with a self size above zero, strings in [0, split), concatenated strings after them; one
    array, in two passes over the node columns (no per-node temporaries)."""
    cdef Py_ssize_t n = node_type.shape[0], v, ns = 0, nc = 0
    with nogil:
        for v in range(n):
            if self_size[v] > 0:
                if node_type[v] == t_string:
                    ns += 1
                elif node_type[v] == t_cons:
                    nc += 1
    nodes_arr = np.empty(ns + nc, dtype=np.uint32)
    cdef uint32_t[::1] nodes = nodes_arr
    cdef Py_ssize_t split = ns
    ns = 0
    nc = split
    with nogil:
        for v in range(n):
            if self_size[v] > 0:
                if node_type[v] == t_string:
                    nodes[ns] = <uint32_t>v
                    ns += 1
                elif node_type[v] == t_cons:
                    nodes[nc] = <uint32_t>v
                    nc += 1
    return nodes_arr, split


def internal_edges_named(const uint8_t[::1] edge_type, const uint32_t[::1] edge_name,
                         Py_ssize_t e_internal, int64_t name):
    """Every internal edge called ``name`` (a string index), in edge order."""
    cdef Py_ssize_t n = edge_type.shape[0], e, count = 0
    if name < 0:
        return np.zeros(0, dtype=np.int64)
    with nogil:
        for e in range(n):
            if edge_name[e] == name and edge_type[e] == e_internal:
                count += 1
    out_arr = np.empty(count, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    count = 0
    with nogil:
        for e in range(n):
            if edge_name[e] == name and edge_type[e] == e_internal:
                out[count] = e
                count += 1
    return out_arr


cdef uint32_t NO_GROUP = 0xFFFFFFFF
cdef uint32_t NEW_GROUP = 0xFFFFFFFE


cdef inline Py_ssize_t _next_in_node_order(const uint32_t[::1] nodes, Py_ssize_t* i,
                                           Py_ssize_t* j, Py_ssize_t split) noexcept nogil:
    """Position in ``nodes`` (two sorted runs: [0, split) and [split, n)) of the next node in
    node order, advancing the run it came from."""
    cdef Py_ssize_t n = nodes.shape[0], p
    if i[0] < split and (j[0] >= n or nodes[i[0]] < nodes[j[0]]):
        p = i[0]
        i[0] += 1
    else:
        p = j[0]
        j[0] += 1
    return p


def duplicate_groups(const uint32_t[::1] nodes, const key_t[::1] keys, Py_ssize_t split,
                     Py_ssize_t n_keys, const size_t_[::1] self_size,
                     const retained_t[::1] retained_size):
    """Groups of candidates sharing a key (counting, no sort). ``nodes`` holds two sorted runs
    of ordinals ([0, split) and [split, n)); ``keys`` their keys, each below ``n_keys``. Keys
    held by one node only make no group. Groups are numbered in the order their first member
    comes in node order. Returns (group per key: uint32[n_keys], NO_GROUP for none; and per
    group: key, member count, summed self size, summed retained size, smallest self size,
    first member)."""
    cdef Py_ssize_t n = nodes.shape[0], k, c, p, i = 0, j = split, g_count = 0
    cdef uint32_t g
    group_arr = np.zeros(n_keys, dtype=np.uint32)
    cdef uint32_t[::1] group = group_arr
    with nogil:
        for c in range(n):  # member counts first (saturating at 2: only "more than one" counts)
            k = keys[c]
            if group[k] < 2:
                group[k] += 1
        for k in range(n_keys):
            if group[k] >= 2:
                group[k] = NEW_GROUP
                g_count += 1
            else:
                group[k] = NO_GROUP
    key_arr = np.empty(g_count, dtype=np.int64)
    count_arr = np.zeros(g_count, dtype=np.int64)
    self_arr = np.zeros(g_count, dtype=np.int64)
    retained_arr = np.zeros(g_count, dtype=np.int64)
    min_arr = np.empty(g_count, dtype=np.int64)
    first_arr = np.empty(g_count, dtype=np.int64)
    cdef int64_t[::1] g_key = key_arr
    cdef int64_t[::1] g_members = count_arr
    cdef int64_t[::1] g_self = self_arr
    cdef int64_t[::1] g_retained = retained_arr
    cdef int64_t[::1] g_min = min_arr
    cdef int64_t[::1] g_first = first_arr
    cdef Py_ssize_t next_group = 0
    cdef int64_t v, s
    with nogil:
        for c in range(n):
            p = _next_in_node_order(nodes, &i, &j, split)
            k = keys[p]
            g = group[k]
            if g == NO_GROUP:
                continue
            v = nodes[p]
            s = self_size[v]
            if g == NEW_GROUP:
                g = <uint32_t>next_group
                next_group += 1
                group[k] = g
                g_key[g] = k
                g_min[g] = s
                g_first[g] = v
            g_members[g] += 1
            g_self[g] += s
            g_retained[g] += retained_size[v]
            if s < g_min[g]:
                g_min[g] = s
    return group_arr, key_arr, count_arr, self_arr, retained_arr, min_arr, first_arr


def duplicate_members(const uint32_t[::1] nodes, const key_t[::1] keys, Py_ssize_t split,
                      const uint32_t[::1] group, const int64_t[::1] group_start,
                      Py_ssize_t total):
    """Every grouped node written at its group's place (``group_start[g]`` onwards), members
    in node order: ``group`` and the runs as for duplicate_groups; ``total`` members in all."""
    cdef Py_ssize_t n = nodes.shape[0], c, p, i = 0, j = split
    cdef uint32_t g
    members_arr = np.empty(total, dtype=np.int64)
    cursor_arr = np.array(group_start, dtype=np.int64)
    cdef int64_t[::1] members = members_arr
    cdef int64_t[::1] cursor = cursor_arr
    with nogil:
        for c in range(n):
            p = _next_in_node_order(nodes, &i, &j, split)
            g = group[keys[p]]
            if g == NO_GROUP:
                continue
            members[cursor[g]] = nodes[p]
            cursor[g] += 1
    return members_arr


# ------------------------------------------------------------------------ numeric strings
def decimal_values(const uint8_t[::1] buf, const span_t[::1] starts, const span_t[::1] ends,
                   const uint8_t[::1] escaped, const int64_t[::1] indexes):
    """For each string index in ``indexes``: its value when its raw text is ASCII decimal
    digits only (at most 18), -1 when it holds another ASCII character or is empty (no digit
    string), -2 when only decoding can tell (JSON escapes, non-ASCII bytes, more digits)."""
    cdef Py_ssize_t n = indexes.shape[0], i, p, a, b
    cdef int64_t value
    cdef uint8_t c
    cdef bint unsure
    out_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    with nogil:
        for i in range(n):
            a = starts[indexes[i]]
            b = ends[indexes[i]]
            if b <= a:
                out[i] = -1
                continue
            if escaped[indexes[i]]:  # an escape may stand for a digit: decode
                out[i] = -2
                continue
            value = 0
            unsure = b - a > 18
            for p in range(a, b):
                c = buf[p]
                if c >= 0x80:
                    unsure = True
                elif c < 0x30 or c > 0x39:
                    value = -1
                    break
                elif not unsure:
                    value = value * 10 + (c - 0x30)
            out[i] = value if value == -1 else (-2 if unsure else value)
    return out_arr


def plain_name_lengths(const uint8_t[::1] buf, const span_t[::1] starts,
                       const span_t[::1] ends, const uint8_t[::1] escaped,
                       const int64_t[::1] indexes):
    """For each string index in ``indexes``: its length when its raw text is printable ASCII
    without JSON escapes and without a character that DevTools' formatPropertyName quotes
    (, ' " { }), so that the text, its formatted name and its UTF-16 length all equal the raw
    bytes; -1 when only decoding can tell (escapes, non-ASCII bytes, a quoted character)."""
    cdef Py_ssize_t n = indexes.shape[0], i, p, a, b
    cdef int64_t length
    cdef uint8_t c
    out_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    with nogil:
        for i in range(n):
            a = starts[indexes[i]]
            b = ends[indexes[i]]
            if escaped[indexes[i]]:
                out[i] = -1
                continue
            length = b - a
            for p in range(a, b):
                c = buf[p]
                if (c >= 0x80 or c < 0x20 or c == 0x2C or c == 0x27 or c == 0x22
                        or c == 0x7B or c == 0x7D):
                    length = -1
                    break
            out[i] = length
    return out_arr

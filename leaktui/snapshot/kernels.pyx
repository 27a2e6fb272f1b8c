# cython: language_level=3
"""Compiled kernels for the heap graph: retainers, DOM state, flags, shallow sizes, dominators,
distances, class naming and class retained sizes, the comparison join. Each mirrors one step of
DevTools' HeapSnapshot.ts so the numbers match exactly; each is O(nodes + edges) over flat
arrays. Built at install by setup.py (no JIT at run time).

Conventions: nodes are ordinals 0..N-1; edges are ordinals 0..E-1; ``first_edge`` is the CSR
offset array (length N+1) of a node's outgoing edges, in file order: uint32, or int64 for
snapshots of 4G edges and more (the ``offset_t`` kernels take either). Columns are uint32,
node and edge types uint8, masks numpy bools (read as uint8). Arrays are allocated with the GIL
held; the loops release it, so a second thread (the reverse graph, a TUI) runs beside them.
"""

import numpy as np

from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, qsort, realloc

NO_DISTANCE = -5
BASE_SYSTEM_DISTANCE = 100_000_000
BASE_UNREACHABLE_DISTANCE = 2 * BASE_SYSTEM_DISTANCE

# Per-node flag bits.
FLAG_PAGE_OBJECT = 1
FLAG_CAN_BE_QUERIED = 2
FLAG_DETACHED_DOM = 4

# Set on an edge's type while the dominators are computed (see mark_essential_edges).
ESSENTIAL_EDGE_BIT = 0x80
# Set on a retainer slot's node while the dominators are computed (the same edges).
RETAINER_ESSENTIAL_BIT = 0x80000000

cdef uint32_t RETAINER_ESSENTIAL_BIT_C = 0x80000000u
cdef uint32_t RETAINER_NODE_MASK_C = 0x7FFFFFFFu

cdef enum:
    ESSENTIAL_EDGE_BIT_C = 0x80
    C_NO_DISTANCE = -5
    C_BASE_SYSTEM_DISTANCE = 100000000
    FLAG_PAGE_OBJECT_C = 1

ctypedef fused offset_t:
    uint32_t
    int64_t

# Self sizes: uint32 as in the file, int64 once folding gives an owner 4 GiB or more.
ctypedef fused size_t_:
    uint32_t
    int64_t

ctypedef fused base_size_t:  # the same, for a second snapshot's sizes (either on each side)
    uint32_t
    int64_t

# Retained sizes: uint32 while the heap (the sum of self sizes) is below 4 GiB, else int64.
ctypedef fused retained_t:
    uint32_t
    int64_t


def _mask(a):
    """A numpy bool mask as uint8 (the memoryviews' type), without a copy."""
    arr = np.asarray(a)
    return arr.view(np.uint8) if arr.dtype == np.bool_ else arr


def _zeros(n, dtype):
    return np.zeros(n, dtype=dtype)


def written_zeros(n, dtype):
    """Zeros for an array a kernel reads at random before it writes there (counts, marks):
    np.zeros maps fresh pages to the system's shared page of zeros on a first read, and the
    write after it copies the page and flushes it from every core running the process (an
    interrupt to the other core; on 102 MB these double faults were ~40 ms of a report). Zeros
    written first fault each page once. Where no other thread runs, np.zeros costs less."""
    arr = np.empty(n, dtype=dtype)
    arr.fill(0)
    return arr


# ---------------------------------------------------------------------------------- retainers
def build_retainers(const uint32_t[::1] edge_to, const offset_t[::1] first_edge,
                    Py_ssize_t node_count, retaining_nodes_arr):
    """Reverse CSR, in DevTools' order (a node's retainers in reverse edge order): the
    retaining node of each retainer, written into ``retaining_nodes`` (a spare uint32 array
    of edge_count length). Their edge ordinals are written later, over the same array once
    the dominators are done with the nodes (`retaining_edges_in_place`), so the two never
    take memory at once; `mark_essential_edges` sets RETAINER_ESSENTIAL_BIT on the slots of
    essential edges meanwhile (node ordinals are below 2^31).

    Returns (first_retainer[N+1], retaining_nodes[E])."""
    cdef Py_ssize_t edge_count = edge_to.shape[0]
    first_dtype = np.uint32 if offset_t is uint32_t else np.int64
    first_retainer_arr = written_zeros(node_count + 1, first_dtype)
    cdef offset_t[::1] first_retainer = first_retainer_arr
    cdef uint32_t[::1] retaining_nodes = retaining_nodes_arr
    cdef Py_ssize_t e, i, src
    cdef offset_t c, slot = 0
    cdef uint32_t t
    with nogil:
        for e in range(edge_count):
            first_retainer[edge_to[e] + 1] += 1
        for i in range(1, node_count + 1):  # first_retainer[t + 1]: the end of t's slice
            slot += first_retainer[i]
            first_retainer[i] = slot
        # Filled backwards from the end of each slice, first_retainer[t + 1] the cursor of t:
        # afterwards it holds the start of t, the offsets shifted by one (put back below).
        for src in range(node_count):
            for e in range(<Py_ssize_t>first_edge[src], <Py_ssize_t>first_edge[src + 1]):
                t = edge_to[e]
                first_retainer[t + 1] -= 1
                retaining_nodes[first_retainer[t + 1]] = <uint32_t>src
        _unshift(first_retainer, node_count, <offset_t>edge_count)
    return first_retainer_arr, retaining_nodes_arr


cdef void _unshift(offset_t[::1] first, Py_ssize_t n, offset_t total) noexcept nogil:
    """``first[i + 1]`` holds the start of i: move each start to ``first[i]``."""
    cdef Py_ssize_t i
    for i in range(n):
        first[i] = first[i + 1]
    first[n] = total


def retaining_edges_in_place(const uint32_t[::1] edge_to, const offset_t[::1] first_edge,
                             offset_t[::1] first_retainer, retaining_edges_arr):
    """The retainers' edge ordinals, slot for slot where `build_retainers` put their nodes,
    written into ``retaining_edges`` (first_edge's dtype: the retaining nodes' own array when
    that is uint32, whose node ordinals are overwritten). ``first_retainer`` serves as the
    fill cursor and is put back as it was; nothing may read it meanwhile."""
    cdef Py_ssize_t n = first_edge.shape[0] - 1, edge_count = edge_to.shape[0], e, src
    cdef offset_t[::1] retaining_edges = retaining_edges_arr
    cdef uint32_t t
    with nogil:
        for src in range(n):  # cursor of t: first_retainer[t + 1], from the end of t's slice
            for e in range(<Py_ssize_t>first_edge[src], <Py_ssize_t>first_edge[src + 1]):
                t = edge_to[e]
                first_retainer[t + 1] -= 1
                retaining_edges[first_retainer[t + 1]] = <offset_t>e
        # The cursors now hold each node's end minus its count (its start), one place on.
        _unshift(first_retainer, n, <offset_t>edge_count)
    return retaining_edges_arr


# ---------------------------------------------------------------------------------- DOM state
cdef Py_ssize_t _spread_dom_state(uint32_t[::1] stack, Py_ssize_t top, uint8_t state,
                                  uint8_t[::1] detachedness, uint8_t[::1] visited,
                                  uint8_t[::1] renamed, const uint8_t[::1] node_type,
                                  const offset_t[::1] first_edge, const uint8_t[::1] edge_type,
                                  const uint32_t[::1] edge_to, int native_type, int hidden_edge,
                                  int weak_edge) noexcept nogil:
    """Spread ``state`` (1 attached, 2 detached) from the nodes on ``stack`` to unvisited
    native children, never through other node types; a detached node popped after it was
    found attached is skipped."""
    cdef uint32_t v, w
    cdef Py_ssize_t e
    cdef int t
    while top > 0:
        top -= 1
        v = stack[top]
        if state == 2 and detachedness[v] == 1:
            continue
        for e in range(<Py_ssize_t>first_edge[v], <Py_ssize_t>first_edge[v + 1]):
            t = edge_type[e]
            if t == hidden_edge or t == weak_edge:
                continue
            w = edge_to[e]
            if visited[w]:
                continue
            visited[w] = 1
            if node_type[w] != native_type:
                continue
            detachedness[w] = state
            if state == 2:
                renamed[w] = 1
            stack[top] = w
            top += 1
    return top


def propagate_dom_state(const uint8_t[::1] node_type, uint8_t[::1] detachedness,
                        const offset_t[::1] first_edge, const uint8_t[::1] edge_type,
                        const uint32_t[::1] edge_to, int native_type, int hidden_edge,
                        int weak_edge):
    """DevTools' propagateDOMState: attached state flows first, then detached, through native
    nodes only. Updates ``detachedness`` in place; returns a mask of nodes renamed 'Detached '."""
    cdef Py_ssize_t n = node_type.shape[0]
    visited_arr = np.zeros(n, dtype=np.uint8)
    renamed_arr = np.zeros(n, dtype=np.bool_)
    attached_arr = np.empty(n, dtype=np.uint32)
    detached_arr = np.empty(n, dtype=np.uint32)
    cdef uint8_t[::1] visited = visited_arr
    cdef uint8_t[::1] renamed = renamed_arr.view(np.uint8)
    cdef uint32_t[::1] attached = attached_arr
    cdef uint32_t[::1] detached = detached_arr
    cdef Py_ssize_t v, na = 0, nd = 0
    cdef uint8_t state
    with nogil:
        for v in range(n):
            state = detachedness[v]
            if state == 0 or visited[v]:
                continue
            if node_type[v] != native_type:
                visited[v] = 1
                continue
            if state == 1:
                attached[na] = <uint32_t>v
                na += 1
            elif state == 2:
                renamed[v] = 1
                detached[nd] = <uint32_t>v
                nd += 1
            visited[v] = 1
        _spread_dom_state(attached, na, 1, detachedness, visited, renamed, node_type,
                          first_edge, edge_type, edge_to, native_type, hidden_edge, weak_edge)
        _spread_dom_state(detached, nd, 2, detachedness, visited, renamed, node_type,
                          first_edge, edge_type, edge_to, native_type, hidden_edge, weak_edge)
    return renamed_arr


# ---------------------------------------------------------------------------------- flags
def mark_reachable(const uint32_t[::1] seeds, const offset_t[::1] first_edge,
                   const uint8_t[::1] edge_type, const uint32_t[::1] edge_to,
                   const int64_t[::1] skip_types, uint8_t[::1] flags, int flag):
    """Set ``flag`` on every node reachable from ``seeds`` through edges whose type is not
    in ``skip_types`` (markPageOwnedNodes / markQueriableHeapObjects)."""
    cdef Py_ssize_t n = flags.shape[0]
    stack_arr = np.empty(n + seeds.shape[0], dtype=np.uint32)
    cdef uint32_t[::1] stack = stack_arr
    cdef uint8_t skip[256]
    cdef Py_ssize_t i, e, top = 0
    cdef uint32_t v, w, s
    for i in range(256):
        skip[i] = 0
    for i in range(skip_types.shape[0]):
        skip[skip_types[i] & 255] = 1
    with nogil:
        for i in range(seeds.shape[0]):
            s = seeds[i]
            flags[s] |= flag
            stack[top] = s
            top += 1
        while top > 0:
            top -= 1
            v = stack[top]
            for e in range(<Py_ssize_t>first_edge[v], <Py_ssize_t>first_edge[v + 1]):
                w = edge_to[e]
                if flags[w] & flag:
                    continue
                if skip[edge_type[e]]:
                    continue
                flags[w] |= flag
                stack[top] = w
                top += 1


cdef inline bint _is_essential(Py_ssize_t v, Py_ssize_t e, uint32_t w, int t, bint v_page,
                               Py_ssize_t root, const uint32_t* edge_name,
                               const uint32_t* node_id, const uint8_t* flags,
                               int internal_edge, int weak_edge, int shortcut_edge,
                               const int64_t* ephemeron_table_of_string) noexcept nogil:
    """DevTools' computeIsEssentialEdge for edge ``e`` (type ``t``) from ``v`` to ``w``."""
    cdef int64_t table
    if t == internal_edge:
        table = ephemeron_table_of_string[edge_name[e]]
        if table >= 0 and node_id[v] == table:
            return False
    if t == weak_edge:
        return False
    if w == v:
        return False
    if v != root:
        if t == shortcut_edge:
            return False
        if (flags[w] & FLAG_PAGE_OBJECT_C) and not v_page:
            return False
    return True


def mark_essential_edges(const offset_t[::1] first_edge, uint8_t[::1] edge_type,
                         const uint32_t[::1] edge_name, const uint32_t[::1] edge_to,
                         const uint32_t[::1] node_id, const uint8_t[::1] flags,
                         Py_ssize_t root, int internal_edge, int weak_edge, int shortcut_edge,
                         const int64_t[::1] ephemeron_table_of_string,
                         offset_t[::1] first_retainer, uint32_t[::1] retaining_nodes):
    """DevTools' computeIsEssentialEdge for every edge (the graph used for dominators),
    marked where the dominator kernel reads it, sparing an edge-sized mask: ESSENTIAL_EDGE_BIT
    on the edge's type (edge types are below 128) for the forward walk, and
    RETAINER_ESSENTIAL_BIT on its retainer slot of ``retaining_nodes`` (`build_retainers`:
    node ordinals are below 2^31) for the reverse one. Every other reader expects both clear:
    the types' bits are cleared once the dominators are computed (`clear_essential_bits`),
    the slots are overwritten with edge ordinals (`retaining_edges_in_place`).
    ``first_retainer`` serves as the slots' cursor and is put back as it was."""
    cdef Py_ssize_t n = first_edge.shape[0] - 1, edge_count = edge_to.shape[0]
    if n >= RETAINER_ESSENTIAL_BIT:
        raise ValueError(f"{n:,} nodes: at most {RETAINER_ESSENTIAL_BIT - 1:,} are supported")
    cdef uint8_t* types = &edge_type[0] if edge_count else NULL
    cdef const uint32_t* names = &edge_name[0] if edge_count else NULL
    cdef const uint32_t* ids = &node_id[0] if n else NULL
    cdef const uint8_t* node_flags = &flags[0] if n else NULL
    cdef const int64_t* tables = (&ephemeron_table_of_string[0]
                                  if ephemeron_table_of_string.shape[0] else NULL)
    cdef Py_ssize_t v, e
    cdef uint32_t w
    cdef int t
    cdef bint v_page
    with nogil:
        for v in range(n):
            v_page = (node_flags[v] & FLAG_PAGE_OBJECT_C) != 0
            for e in range(<Py_ssize_t>first_edge[v], <Py_ssize_t>first_edge[v + 1]):
                w = edge_to[e]
                first_retainer[w + 1] -= 1  # the slot of this edge among w's retainers
                t = types[e]
                if _is_essential(v, e, w, t, v_page, root, names, ids, node_flags,
                                 internal_edge, weak_edge, shortcut_edge, tables):
                    types[e] = <uint8_t>(t | ESSENTIAL_EDGE_BIT_C)
                    retaining_nodes[first_retainer[w + 1]] |= RETAINER_ESSENTIAL_BIT_C
        _unshift(first_retainer, n, <offset_t>edge_count)


def clear_essential_bits(uint8_t[::1] edge_type):
    """The edge types as they were before `mark_essential_edges`."""
    cdef Py_ssize_t e
    with nogil:
        for e in range(edge_type.shape[0]):
            edge_type[e] &= <uint8_t>~ESSENTIAL_EDGE_BIT_C


# ---------------------------------------------------------------------------------- sizes
def shallow_size_owners(candidate_mask, const offset_t[::1] first_edge,
                        const uint8_t[::1] edge_type, const uint32_t[::1] edge_to,
                        int weak_edge):
    """DevTools' calculateShallowSizes, first half: the one owner of each candidate (hidden,
    array, external string data) reached from exactly one non-candidate; a node's own ordinal
    for non-candidates; 0xFFFFFFFF (unvisited) or 0xFFFFFFFE (several owners) otherwise."""
    cdef const uint8_t[::1] candidate = _mask(candidate_mask)
    cdef Py_ssize_t n = candidate.shape[0]
    cdef uint32_t unvisited = 0xFFFFFFFF
    cdef uint32_t multiple = 0xFFFFFFFE
    owners_arr = np.empty(n, dtype=np.uint32)
    stack_arr = np.empty(2 * n + 1, dtype=np.uint32)
    cdef uint32_t[::1] owners = owners_arr
    cdef uint32_t[::1] stack = stack_arr
    cdef Py_ssize_t i, e, top = 0
    cdef uint32_t v, w, owner, cur
    with nogil:
        for i in range(n):
            if candidate[i]:
                owners[i] = unvisited
            else:
                owners[i] = <uint32_t>i
                stack[top] = <uint32_t>i
                top += 1
        while top > 0:
            top -= 1
            v = stack[top]
            owner = owners[v]
            for e in range(<Py_ssize_t>first_edge[v], <Py_ssize_t>first_edge[v + 1]):
                if edge_type[e] == weak_edge:
                    continue
                w = edge_to[e]
                cur = owners[w]
                if cur == unvisited:
                    owners[w] = owner
                    stack[top] = w
                    top += 1
                elif cur == w or cur == owner or cur == multiple:
                    pass
                else:
                    owners[w] = multiple
                    stack[top] = w
                    top += 1
    return owners_arr


def fold_into_owners(size_t_[::1] self_size, const uint32_t[::1] owners, no_transfer_mask,
                     Py_ssize_t start):
    """DevTools' calculateShallowSizes, second half: each owned node's self size moved into
    its owner's, in ordinal order from ``start``. In place. Returns the ordinal it stopped at:
    the node count when done, or (uint32 sizes only) the first node whose size would carry
    its owner's past 2^32 - 1, with nothing from there on moved yet: the caller widens the
    sizes to int64 and goes on from there."""
    cdef const uint8_t[::1] no_transfer_owner = _mask(no_transfer_mask)
    cdef Py_ssize_t n = self_size.shape[0]
    cdef Py_ssize_t i, stop = n
    cdef uint32_t o
    cdef uint32_t unvisited = 0xFFFFFFFF
    cdef uint32_t multiple = 0xFFFFFFFE
    cdef uint64_t most = 0xFFFFFFFF
    with nogil:
        for i in range(start, n):
            o = owners[i]
            if o == unvisited or o == multiple or o == i:
                continue
            if no_transfer_owner[o]:
                continue
            if size_t_ is uint32_t:
                if <uint64_t>self_size[o] + <uint64_t>self_size[i] > most:
                    stop = i
                    break
            self_size[o] = self_size[o] + self_size[i]
            self_size[i] = 0
    return stop


# ---------------------------------------------------------------------------------- dominators
# The loops below index raw C pointers taken once from the memoryviews: in the innermost
# loops (the DFS cursor, `_evaluate`'s path compression) every store would otherwise make the
# compiler reload each view's data pointer (Python builds extensions without strict aliasing).
cdef inline bint _has_only_weak_retainers(Py_ssize_t v, const offset_t* first_retainer,
                                          const uint32_t* retaining_nodes) noexcept nogil:
    cdef Py_ssize_t r
    for r in range(<Py_ssize_t>first_retainer[v], <Py_ssize_t>first_retainer[v + 1]):
        if retaining_nodes[r] & RETAINER_ESSENTIAL_BIT_C:
            return False
    return True


cdef Py_ssize_t _dfs(Py_ssize_t start, Py_ssize_t n, const offset_t* first_edge,
                     const uint32_t* edge_to, const uint8_t* essential, offset_t* next_edge,
                     uint32_t* parent, uint32_t* semi, uint32_t* vertex,
                     uint32_t* label) noexcept nogil:
    """Iterative DFS over essential edges (vertices are ordinal + 1; 0 means none)."""
    cdef Py_ssize_t v, v_next, vo, w
    cdef offset_t end, e
    next_edge[start - 1] = first_edge[start - 1]
    v = start
    while v != 0:
        if semi[v] == 0:
            n += 1
            semi[v] = <uint32_t>n
            vertex[n] = <uint32_t>v
            label[v] = <uint32_t>v
        v_next = parent[v]
        vo = v - 1
        end = first_edge[vo + 1]
        e = next_edge[vo]
        while e < end:
            if essential[e] & ESSENTIAL_EDGE_BIT_C:
                w = <Py_ssize_t>edge_to[e] + 1
                if semi[w] == 0:
                    parent[w] = <uint32_t>v
                    next_edge[w - 1] = first_edge[w - 1]
                    v_next = w
                    break
            e += 1
        next_edge[vo] = e
        v = v_next
    return n


cdef inline uint32_t _evaluate(uint32_t v0, uint32_t* ancestor, uint32_t* label,
                               const uint32_t* semi, uint32_t* stack) noexcept nogil:
    cdef Py_ssize_t sp = 0
    cdef uint32_t v, w, a
    if ancestor[v0] == 0:
        return v0
    v = v0
    while ancestor[ancestor[v]] != 0:
        sp += 1
        stack[sp] = v
        v = ancestor[v]
    while sp > 0:
        w = stack[sp]
        sp -= 1
        a = ancestor[w]
        if semi[label[a]] < semi[label[w]]:
            label[w] = label[a]
        ancestor[w] = ancestor[a]
    return label[v0]


cdef void _semidominators(Py_ssize_t n, Py_ssize_t r, const offset_t* first_retainer,
                          const uint32_t* retaining_nodes, const uint32_t* vertex,
                          const uint32_t* parent, uint32_t* semi, uint32_t* ancestor,
                          uint32_t* label, uint32_t* bucket_head, uint32_t* bucket_next,
                          uint32_t* stack, uint32_t* dom) noexcept nogil:
    cdef Py_ssize_t i, ri, ri_end, wo
    cdef uint32_t w, u, b, p, vv, semi_w
    cdef bint orphan
    for i in range(n, 1, -1):
        w = vertex[i]
        wo = w - 1
        orphan = True
        semi_w = semi[w]
        ri_end = <Py_ssize_t>first_retainer[wo + 1]
        for ri in range(<Py_ssize_t>first_retainer[wo], ri_end):
            if not (retaining_nodes[ri] & RETAINER_ESSENTIAL_BIT_C):
                continue
            orphan = False
            u = _evaluate((retaining_nodes[ri] & RETAINER_NODE_MASK_C) + 1, ancestor, label,
                          semi, stack)
            if semi[u] < semi_w:
                semi_w = semi[u]
        if orphan:
            semi_w = semi[r]
        semi[w] = semi_w
        b = vertex[semi_w]
        bucket_next[w] = bucket_head[b]
        bucket_head[b] = w
        p = parent[w]
        ancestor[w] = p
        vv = bucket_head[p]
        while vv != 0:
            u = _evaluate(vv, ancestor, label, semi, stack)
            dom[vv] = u if semi[u] < semi[vv] else p
            vv = bucket_next[vv]
        bucket_head[p] = 0


def dominators_and_retained(const offset_t[::1] first_edge, const uint32_t[::1] edge_to,
                            const uint8_t[::1] marked_edge_type,
                            const offset_t[::1] first_retainer,
                            const uint32_t[::1] retaining_nodes,
                            const size_t_[::1] self_size, Py_ssize_t root,
                            scratch_a, scratch_b, scratch_c, scratch_d, bint wide_retained,
                            fresh=None):
    """Lengauer-Tarjan exactly as DevTools runs it (same DFS order, same patch-ups for nodes
    reached only through weak edges and for unreachable cliques), over the edges whose type
    has ESSENTIAL_EDGE_BIT set, and the retainers whose slot in ``retaining_nodes`` has
    RETAINER_ESSENTIAL_BIT set (`mark_essential_edges`). Returns
    (dominator ordinal per node, retained size per node, #weak-only starts, #unreachable).
    ``scratch_*`` (four): uint32 arrays of N+1 the caller has no use for now (their contents are
    overwritten), or empty ones: the kernel then allocates its own. The retained sizes are
    uint32, or int64 with ``wide_retained`` (the caller's choice: uint32 only when the sum of
    all self sizes, the root's retained size and so every node's bound, is below 2^32).
    ``fresh``: None, or four zeroed uint32 arrays of N+1 (the ancestors, which become the
    dominators, the DFS order, the semidominators and the DFS cursors) whose pages a thread
    that had nothing else to do faulted in already (uint32 offsets only)."""
    cdef const uint8_t[::1] essential_view = marked_edge_type
    cdef Py_ssize_t n_nodes = first_edge.shape[0] - 1
    cdef Py_ssize_t size = n_nodes + 1
    parent_arr = scratch_a if scratch_a.shape[0] == size else np.empty(size, dtype=np.uint32)
    parent_arr[:] = 0
    # Beside other threads (the caller gave no scratch: a small heap's schedule) each double
    # fault of a zeroed page interrupts them (`written_zeros`); alone it costs less than the
    # pass that writes the zeros first.
    zeros = written_zeros if scratch_a.shape[0] != size else _zeros
    offset_dtype = np.uint32 if offset_t is uint32_t else np.int64
    if fresh is not None and offset_t is uint32_t:
        ancestor_arr, vertex_arr, semi_arr, next_edge_arr = fresh
    else:
        ancestor_arr = zeros(size, np.uint32)
        vertex_arr = zeros(size, np.uint32)
        semi_arr = zeros(size, np.uint32)
        next_edge_arr = zeros(size, offset_dtype)
    label_arr = scratch_b if scratch_b.shape[0] == size else np.empty(size, dtype=np.uint32)
    label_arr[:] = 0
    bucket_next_arr = scratch_d if scratch_d.shape[0] == size else np.empty(size, dtype=np.uint32)
    bucket_next_arr[:] = 0
    cdef uint32_t[::1] parent_view = parent_arr
    cdef uint32_t[::1] ancestor_view = ancestor_arr
    cdef uint32_t[::1] vertex_view = vertex_arr
    cdef uint32_t[::1] label_view = label_arr
    cdef uint32_t[::1] semi_view = semi_arr
    cdef offset_t[::1] next_edge_view = next_edge_arr
    cdef uint32_t[::1] bucket_next_view = bucket_next_arr
    cdef const offset_t* fe = &first_edge[0]
    cdef const uint32_t* to = &edge_to[0] if edge_to.shape[0] else NULL
    cdef const uint8_t* essential = &essential_view[0] if essential_view.shape[0] else NULL
    cdef const offset_t* fr = &first_retainer[0]
    cdef const uint32_t* rnodes = &retaining_nodes[0] if retaining_nodes.shape[0] else NULL
    cdef uint32_t* parent = &parent_view[0]
    cdef uint32_t* ancestor = &ancestor_view[0]
    cdef uint32_t* vertex = &vertex_view[0]
    cdef uint32_t* label = &label_view[0]
    cdef uint32_t* semi = &semi_view[0]
    cdef offset_t* next_edge = &next_edge_view[0]
    cdef uint32_t* bucket_next = &bucket_next_view[0]
    cdef Py_ssize_t n = 0, v, i, r = root + 1, o
    cdef Py_ssize_t weak_only = 0, unreachable = 0
    with nogil:
        n = _dfs(r, n, fe, to, essential, next_edge, parent, semi, vertex, label)
        if n < n_nodes:
            for v in range(1, n_nodes + 1):
                if semi[v] == 0 and _has_only_weak_retainers(v - 1, fr, rnodes):
                    weak_only += 1
                    parent[v] = <uint32_t>r
                    n = _dfs(v, n, fe, to, essential, next_edge, parent, semi, vertex, label)
        if n < n_nodes:
            for v in range(1, n_nodes + 1):
                if semi[v] == 0:
                    unreachable += 1
                    parent[v] = <uint32_t>r
                    n += 1
                    semi[v] = <uint32_t>n
                    vertex[n] = <uint32_t>v
                    label[v] = <uint32_t>v

    # The DFS is over: its per-node cursor becomes the bucket heads (memory reused).
    bucket_head_arr = next_edge_arr.view(np.uint32)[:size]
    bucket_head_arr[:] = 0
    stack_arr = scratch_c if scratch_c.shape[0] == size else np.empty(size, dtype=np.uint32)
    # The immediate dominators go where the DFS parents are: a vertex's parent is read once,
    # when the vertex itself is processed, and its dominator is written only later (when
    # the bucket of its semidominator is drained), so the two never need a cell at once.
    # Every vertex but the root gets its dominator written (the root's bucket is drained
    # at the last vertex, the root's first child), the root and 0 just below.
    dom_arr = parent_arr
    cdef uint32_t[::1] bucket_head_view = bucket_head_arr
    cdef uint32_t[::1] stack_view = stack_arr
    cdef uint32_t[::1] dom_view = dom_arr
    cdef uint32_t* bucket_head = &bucket_head_view[0]
    cdef uint32_t* stack = &stack_view[0]
    cdef uint32_t* dom = &dom_view[0]
    cdef const size_t_* sizes = &self_size[0] if n_nodes else NULL
    cdef uint32_t* dominator
    cdef uint32_t w
    with nogil:
        _semidominators(n, r, fr, rnodes, vertex, parent, semi, ancestor,
                        label, bucket_head, bucket_next, stack, dom)
        dom[0] = <uint32_t>r
        dom[r] = <uint32_t>r
        for i in range(2, n + 1):
            w = vertex[i]
            if dom[w] != vertex[semi[w]]:
                dom[w] = dom[dom[w]]
        dominator = ancestor  # ancestor is no longer needed: the result goes in its memory
        for o in range(n_nodes):
            dominator[o] = dom[o + 1] - 1
    dominator_arr = ancestor_arr[:n_nodes]
    # Only the DFS order (vertex) is still needed: the other work arrays are let go before
    # the retained sizes (8 bytes a node) are written, so the two never add up.
    bucket_head = bucket_next = stack = dom = semi = parent = label = NULL
    bucket_head_view = bucket_next_view = stack_view = dom_view = semi_view = None
    parent_view = label_view = next_edge_view = None
    bucket_head_arr = bucket_next_arr = stack_arr = dom_arr = semi_arr = None
    parent_arr = label_arr = next_edge_arr = None
    retained_arr = np.empty(n_nodes, dtype=np.int64 if wide_retained else np.uint32)
    cdef int64_t[::1] wide_view
    cdef uint32_t[::1] narrow_view
    cdef int64_t* wide = NULL
    cdef uint32_t* narrow = NULL
    if n_nodes and wide_retained:
        wide_view = retained_arr
        wide = &wide_view[0]
    elif n_nodes:
        narrow_view = retained_arr
        narrow = &narrow_view[0]
    with nogil:
        if wide != NULL:
            for o in range(n_nodes):
                wide[o] = sizes[o]
            for i in range(n, 1, -1):
                o = vertex[i] - 1
                wide[dominator[o]] += wide[o]
        elif narrow != NULL:
            for o in range(n_nodes):
                narrow[o] = <uint32_t>sizes[o]
            for i in range(n, 1, -1):
                o = vertex[i] - 1
                narrow[dominator[o]] += narrow[o]
    return dominator_arr, retained_arr, weak_only, unreachable


def dominated_children(const uint32_t[::1] dominator, Py_ssize_t root, bint beside=False):
    """Children lists of the dominator tree as CSR (first[N+1], children), ordinal order.
    ``beside``: other threads run meanwhile (see `written_zeros`)."""
    cdef Py_ssize_t n = dominator.shape[0]
    first_arr = written_zeros(n + 1, np.uint32) if beside else np.zeros(n + 1, dtype=np.uint32)
    children_arr = np.empty(max(n - 1, 0), dtype=np.uint32)
    cdef uint32_t[::1] first = first_arr
    cdef uint32_t[::1] children = children_arr
    cdef Py_ssize_t o, i
    cdef uint32_t d
    with nogil:
        for o in range(n):
            if o != root:
                first[dominator[o] + 1] += 1
        for i in range(n):
            first[i + 1] += first[i]
        # first[d] serves as d's fill cursor (no copy of it): afterwards it holds the start of
        # d + 1, so the offsets are shifted back by one.
        for o in range(n):
            if o != root:
                d = dominator[o]
                children[first[d]] = <uint32_t>o
                first[d] += 1
        for i in range(n, 0, -1):
            first[i] = first[i - 1]
        first[0] = 0
    return first_arr, children_arr


# ---------------------------------------------------------------------------------- distances
def distances_bfs(const offset_t[::1] first_edge, const uint8_t[::1] edge_type,
                  const uint32_t[::1] edge_name, const uint32_t[::1] edge_to,
                  const uint32_t[::1] seeds, Py_ssize_t root, int weak_edge, int internal_edge,
                  static_skip_mask, const int32_t[::1] ephemeron_pair_of_string, ignored_mask,
                  dist_out=None):
    """DevTools' calculateDistances (JS filter included): BFS from user roots at distance 1,
    then from the root at BASE_SYSTEM_DISTANCE (or 0 without user roots). Skips weak edges,
    edges marked in ``static_skip`` and the first-seen edge of each WeakMap ephemeron pair;
    never enters nodes marked in ``ignored`` (the Retainers view's "ignore this retainer").
    ``dist_out``: an int32 array of N the distances are written into (a row the caller has no
    other use for), or None for a new one."""
    cdef const uint8_t[::1] static_skip = _mask(static_skip_mask)
    cdef const uint8_t[::1] ignored = _mask(ignored_mask)
    cdef Py_ssize_t n = first_edge.shape[0] - 1
    if dist_out is None:
        dist_arr = np.full(n, NO_DISTANCE, dtype=np.int32)
    else:
        dist_arr = dist_out
        dist_arr[:] = NO_DISTANCE
    queue_arr = np.empty(n + seeds.shape[0] + 1, dtype=np.uint32)
    cdef int32_t[::1] dist = dist_arr
    cdef uint32_t[::1] queue = queue_arr
    cdef Py_ssize_t i, n_pairs = 0
    for i in range(ephemeron_pair_of_string.shape[0]):
        if ephemeron_pair_of_string[i] + 1 > n_pairs:
            n_pairs = ephemeron_pair_of_string[i] + 1
    pending_arr = np.zeros(max(n_pairs, 1), dtype=np.uint8)
    cdef uint8_t[::1] pending = pending_arr
    cdef Py_ssize_t length = 0, index, e, phase
    cdef uint32_t v, w, s
    cdef int32_t d, pair
    cdef int t
    with nogil:
        for i in range(seeds.shape[0]):
            s = seeds[i]
            dist[s] = 1
            queue[length] = s
            length += 1
        for phase in range(2):
            if phase == 1:
                dist[root] = C_BASE_SYSTEM_DISTANCE if seeds.shape[0] > 0 else 0
                queue[0] = <uint32_t>root
                length = 1
            index = 0
            while index < length:
                v = queue[index]
                index += 1
                d = dist[v] + 1
                for e in range(<Py_ssize_t>first_edge[v], <Py_ssize_t>first_edge[v + 1]):
                    t = edge_type[e]
                    if t == weak_edge:
                        continue
                    w = edge_to[e]
                    if dist[w] != C_NO_DISTANCE:
                        continue
                    if ignored[w]:
                        continue
                    if static_skip[e]:
                        continue
                    if t == internal_edge:
                        pair = ephemeron_pair_of_string[edge_name[e]]
                        if pair >= 0:
                            if pending[pair]:
                                pending[pair] = 0
                            else:
                                pending[pair] = 1
                                continue
                    dist[w] = d
                    queue[length] = w
                    length += 1
    return dist_arr


# ---------------------------------------------------------------------------------- classes
def class_retained_sizes(const uint32_t[::1] first_child, const uint32_t[::1] children,
                         const int32_t[::1] class_id, const size_t_[::1] self_size,
                         const retained_t[::1] retained, Py_ssize_t n_classes,
                         Py_ssize_t root):
    """DevTools' calculateClassesRetainedSize: a node adds its retained size to its class unless
    a dominator-tree ancestor with non-zero self size has the same class (no double counting)."""
    out_arr = np.zeros(n_classes, dtype=np.int64)
    active_arr = np.zeros(n_classes, dtype=np.int32)
    cdef int64_t[::1] out = out_arr
    cdef int32_t[::1] active = active_arr
    cdef Py_ssize_t n = class_id.shape[0]
    cdef uint32_t leave = 0x80000000  # high bit marks "leaving this node" (N < 2**31)
    cdef Py_ssize_t cap = min(n + 1, 1 << 16)  # grows with the tree's needs
    cdef Py_ssize_t top = 0, need, i
    cdef uint32_t item, v
    cdef int32_t c
    cdef uint32_t* stack = <uint32_t*>malloc(cap * sizeof(uint32_t))
    cdef uint32_t* grown
    if stack == NULL:
        raise MemoryError()
    try:
        with nogil:
            stack[top] = <uint32_t>root
            top += 1
            while top > 0:
                top -= 1
                item = stack[top]
                if item & leave:
                    active[class_id[item & ~leave]] -= 1
                    continue
                v = item
                c = class_id[v]
                need = top + 1 + <Py_ssize_t>(first_child[v + 1] - first_child[v])
                if need > cap:
                    cap = max(need, 2 * cap)
                    grown = <uint32_t*>realloc(stack, cap * sizeof(uint32_t))
                    if grown == NULL:
                        with gil:
                            raise MemoryError()
                    stack = grown
                if self_size[v] != 0:
                    if active[c] == 0:
                        out[c] += retained[v]
                    if first_child[v] != first_child[v + 1]:
                        active[c] += 1
                        stack[top] = v | leave
                        top += 1
                for i in range(first_child[v], first_child[v + 1]):
                    stack[top] = children[i]
                    top += 1
    finally:
        free(stack)
    return out_arr


cdef inline Py_ssize_t _source_of_edge(const offset_t[::1] first_edge, Py_ssize_t e) noexcept nogil:
    """The node an edge leaves from: the last offset <= e (searchsorted 'right' - 1)."""
    cdef Py_ssize_t lo = 0, hi = first_edge.shape[0], mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if <Py_ssize_t>first_edge[mid] <= e:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


def shortest_retainer_path(Py_ssize_t start, const int32_t[::1] dist,
                           const offset_t[::1] first_retainer, const offset_t[::1] first_edge,
                           const offset_t[::1] retaining_edges, const uint8_t[::1] edge_type,
                           int weak_edge, Py_ssize_t root, Py_ssize_t max_len):
    """Edges (ordinals) of a shortest path from a user root down to ``start``: from ``start``
    up through the retainer with the smallest distance at each step (ties: the first in
    DevTools' retainer order), as the auto-expanded Retainers view shows. Root-first; empty
    when the node is a user root or reachable only through system roots."""
    path_arr = np.empty(max_len, dtype=np.int64)
    cdef int64_t[::1] path = path_arr
    cdef Py_ssize_t k = 0, v = start, r, e, u, best_e, best_u, i
    cdef int64_t dv, du, best_d
    with nogil:
        while k < max_len:
            dv = dist[v]
            if dv <= 1 or dv >= C_BASE_SYSTEM_DISTANCE:
                break
            best_e = -1
            best_u = -1
            best_d = C_BASE_SYSTEM_DISTANCE
            for r in range(<Py_ssize_t>first_retainer[v], <Py_ssize_t>first_retainer[v + 1]):
                e = retaining_edges[r]
                u = _source_of_edge(first_edge, e)
                if u == root or edge_type[e] == weak_edge:
                    continue
                du = dist[u]
                if du < 0:
                    continue
                if du < best_d:
                    best_d = du
                    best_e = e
                    best_u = u
            if best_e < 0 or best_d >= dv:
                break
            path[k] = best_e
            k += 1
            v = best_u
    out_arr = np.empty(k, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    for i in range(k):
        out[i] = path[k - 1 - i]
    return out_arr


def names_used_by(const uint8_t[::1] edge_type, const uint32_t[::1] edge_name, int wanted_type,
                  Py_ssize_t string_count):
    """Mask over the string table: names of edges of ``wanted_type``."""
    used_arr = np.zeros(string_count, dtype=np.bool_)
    cdef uint8_t[::1] used = used_arr.view(np.uint8)
    cdef Py_ssize_t e
    with nogil:
        for e in range(edge_type.shape[0]):
            if edge_type[e] == wanted_type:
                used[edge_name[e]] = 1
    return used_arr


def js_array_sizes(const uint8_t[::1] node_type, const uint32_t[::1] node_name, is_array_mask,
                   skip_type_mask, const offset_t[::1] first_edge, const uint8_t[::1] edge_type,
                   const uint32_t[::1] edge_name, const uint32_t[::1] edge_to,
                   const offset_t[::1] first_retainer, const size_t_[::1] size,
                   int internal_edge, is_elements_mask):
    """DevTools' JS arrays statistic: nodes named `Array` (not hidden, native, code or
    string), plus the first `elements` store of each when it has exactly one retainer."""
    cdef const uint8_t[::1] is_array_name = _mask(is_array_mask)
    cdef const uint8_t[::1] skip_type = _mask(skip_type_mask)
    cdef const uint8_t[::1] is_elements = _mask(is_elements_mask)
    cdef int64_t total = 0
    cdef Py_ssize_t v, e
    cdef uint32_t w
    with nogil:
        for v in range(node_type.shape[0]):
            if skip_type[node_type[v]] or not is_array_name[node_name[v]]:
                continue
            total += size[v]
            for e in range(<Py_ssize_t>first_edge[v], <Py_ssize_t>first_edge[v + 1]):
                if edge_type[e] == internal_edge and is_elements[edge_name[e]]:
                    w = edge_to[e]
                    if first_retainer[w + 1] - first_retainer[w] == 1:
                        total += size[w]
                    break
    return total


def first_sized_node(const int32_t[::1] class_id, const size_t_[::1] self_size,
                     Py_ssize_t n_classes):
    """First node ordinal with non-zero self size of each class (-1 if none)."""
    first_arr = np.full(n_classes, -1, dtype=np.int64)
    cdef int64_t[::1] first = first_arr
    cdef Py_ssize_t v
    with nogil:
        for v in range(class_id.shape[0]):
            if self_size[v] != 0 and first[class_id[v]] < 0:
                first[class_id[v]] = v
    return first_arr


cdef inline int64_t _entry_count(Py_ssize_t v, const offset_t[::1] first_edge,
                                 const uint8_t[::1] edge_type, const uint32_t[::1] edge_name,
                                 const uint32_t[::1] edge_to, const uint8_t[::1] node_type,
                                 int weak_edge, int internal_edge,
                                 const uint8_t[::1] is_storage_name,
                                 const uint8_t[::1] storage_type) noexcept nogil:
    """max(own non-weak edges, edges of its storage children) of node ``v``."""
    cdef int64_t own = 0, stored = 0
    cdef Py_ssize_t e
    cdef uint32_t w
    cdef int t
    for e in range(<Py_ssize_t>first_edge[v], <Py_ssize_t>first_edge[v + 1]):
        t = edge_type[e]
        if t == weak_edge:
            continue
        own += 1
        if t == internal_edge and is_storage_name[edge_name[e]]:
            w = edge_to[e]
            if storage_type[node_type[w]]:
                stored += <int64_t>first_edge[w + 1] - <int64_t>first_edge[w]
    return stored if stored > own else own


def collection_entry_counts(const offset_t[::1] first_edge, const uint8_t[::1] edge_type,
                            const uint32_t[::1] edge_name, const uint32_t[::1] edge_to,
                            const uint8_t[::1] node_type, int weak_edge, int internal_edge,
                            is_storage_mask, storage_type_mask):
    """Per node: max(own non-weak edges, edges of its storage children), of first_edge's
    dtype: uint32 while the snapshot has fewer than 2^32 - 1 edges (a count is at most the
    edge count then, but for a node listing one store several times: such a count stops at
    2^32 - 1), else int64. Kept per snapshot by the suspects: 4 bytes a node, not 8."""
    cdef const uint8_t[::1] is_storage_name = _mask(is_storage_mask)
    cdef const uint8_t[::1] storage_type = _mask(storage_type_mask)
    cdef Py_ssize_t n = first_edge.shape[0] - 1
    out_arr = np.zeros(n, dtype=np.uint32 if offset_t is uint32_t else np.int64)
    cdef offset_t[::1] out = out_arr
    cdef int64_t most = 0xFFFFFFFF if offset_t is uint32_t else 0x7FFFFFFFFFFFFFFF
    cdef Py_ssize_t v
    cdef int64_t own
    with nogil:
        for v in range(n):
            own = _entry_count(v, first_edge, edge_type, edge_name, edge_to, node_type,
                               weak_edge, internal_edge, is_storage_name, storage_type)
            out[v] = <offset_t>(own if own < most else most)
    return out_arr


cdef inline bint _named(uint32_t name, const int64_t[::1] names) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(names.shape[0]):
        if names[i] == name:
            return True
    return False


def plain_entry_counts(const int64_t[::1] nodes, const uint8_t[::1] kinds,
                       const offset_t[::1] first_edge, const uint8_t[::1] edge_type,
                       const uint32_t[::1] edge_name, const uint32_t[::1] edge_to,
                       int property_edge, int element_edge, int internal_edge,
                       int object_kind, int array_kind,
                       const int64_t[::1] proto_names, const int64_t[::1] elements_names,
                       const int64_t[::1] empty_values):
    """Entries of each of ``nodes`` by its kind: an object's own properties (named by none
    of ``proto_names``) and elements; an array's elements but those holding one of
    ``empty_values`` (the `undefined` and hole oddballs: a slot preallocated or emptied);
    0 for anything else. Returns (counts, stores), int64: for an array without element
    edges, its first internal edge named by one of ``elements_names`` leads to its store
    (whose capacity the caller counts), else -1. ``*_names`` are a few string indices each,
    ``empty_values`` a few ordinals."""
    cdef Py_ssize_t n = nodes.shape[0]
    counts_arr = np.zeros(n, dtype=np.int64)
    stores_arr = np.full(n, -1, dtype=np.int64)
    cdef int64_t[::1] counts = counts_arr
    cdef int64_t[::1] stores = stores_arr
    cdef Py_ssize_t i, e, start, stop
    cdef int64_t v, c, seen
    cdef int t, kind
    with nogil:
        for i in range(n):
            v = nodes[i]
            kind = kinds[i]
            start = <Py_ssize_t>first_edge[v]
            stop = <Py_ssize_t>first_edge[v + 1]
            c = 0
            if kind == object_kind:
                for e in range(start, stop):
                    t = edge_type[e]
                    if t == element_edge or (t == property_edge
                                             and not _named(edge_name[e], proto_names)):
                        c += 1
            elif kind == array_kind:
                seen = 0
                for e in range(start, stop):
                    if edge_type[e] == element_edge:
                        seen += 1
                        if not _named(edge_to[e], empty_values):
                            c += 1
                if seen == 0:
                    for e in range(start, stop):
                        if edge_type[e] == internal_edge and _named(edge_name[e],
                                                                    elements_names):
                            stores[i] = edge_to[e]
                            break
            counts[i] = c
    return counts_arr, stores_arr


# ------------------------------------------------------------------------------ ids by merge
cdef inline Py_ssize_t _lower_bound_from(const uint32_t[::1] a, Py_ssize_t n, Py_ssize_t start,
                                         int64_t q) noexcept nogil:
    """First i >= start with a[i] >= q, given a[start - 1] < q (or start 0): galloping from
    ``start``, so a run of increasing keys costs about one step each, not a whole search."""
    cdef Py_ssize_t lo = start, hi = start, step = 1, mid
    while hi < n and a[hi] < q:
        lo = hi + 1
        hi += step
        step <<= 1
    if hi > n:
        hi = n
    while lo < hi:
        mid = lo + (hi - lo) // 2
        if a[mid] < q:
            lo = mid + 1
        else:
            hi = mid
    return lo


def ordinals_of_sorted_ids(const uint32_t[::1] sorted_ids, const int64_t[::1] order,
                           const int64_t[::1] keys):
    """Ordinal of each key (``order[i]`` where ``sorted_ids[i]`` is the key, -1 when absent),
    int64. A key at least the previous one is searched from where that one was (V8's ids are
    almost all increasing in node order: a merge); a smaller key from the start."""
    cdef Py_ssize_t n = sorted_ids.shape[0], m = keys.shape[0], i, pos = 0
    out_arr = np.full(m, -1, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    cdef int64_t q, prev = -1
    with nogil:
        for i in range(m):
            q = keys[i]
            if q < 0 or q > <int64_t>0xFFFFFFFFu:
                continue
            pos = _lower_bound_from(sorted_ids, n, pos if q >= prev else 0, q)
            prev = q
            if pos < n and sorted_ids[pos] == q:
                out[i] = order[pos]
    return out_arr


def id_agreement(const uint32_t[::1] old_sorted_ids, const int64_t[::1] old_order,
                 const int32_t[::1] old_class, const int64_t[::1] old_code,
                 const uint8_t[::1] old_type, const uint32_t[::1] new_ids,
                 const int32_t[::1] new_class, const int64_t[::1] new_code,
                 const uint8_t[::1] new_type, int64_t limit):
    """(shared, agreeing): of the newer snapshot's JS object ids (odd) at most ``limit``, how
    many there are, and how many the older snapshot holds with the same class code
    (``*_code[class]``) and node type. One pass over the newer nodes, each id looked up by
    `ordinals_of_sorted_ids`' merge."""
    cdef Py_ssize_t n = old_sorted_ids.shape[0], i, pos = 0
    cdef int64_t q, prev = -1, o, shared = 0, agreeing = 0
    with nogil:
        for i in range(new_ids.shape[0]):
            q = new_ids[i]
            if (q & 1) == 0 or q > limit:
                continue
            shared += 1
            pos = _lower_bound_from(old_sorted_ids, n, pos if q >= prev else 0, q)
            prev = q
            if pos < n and old_sorted_ids[pos] == q:
                o = old_order[pos]
                if new_code[new_class[i]] == old_code[old_class[o]] and \
                        new_type[i] == old_type[o]:
                    agreeing += 1
    return shared, agreeing




def sources_from(const offset_t[::1] first_edge, const int64_t[::1] edges):
    """The node each edge leaves from (the last offset <= e: searchsorted 'right' - 1),
    int64, each searched from the previous one's node by galloping either way: a node's
    retainer edges come in (reverse) edge order, so most steps are short, not a search of
    every offset."""
    cdef Py_ssize_t n = first_edge.shape[0], m = edges.shape[0], i, lo, hi, mid, step
    cdef Py_ssize_t pos = 0
    cdef int64_t e
    out_arr = np.empty(m, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    with nogil:
        for i in range(m):
            e = edges[i]
            if <int64_t>first_edge[pos] <= e:  # forward: the last offset <= e is at pos or after
                lo = pos
                hi = pos + 1
                step = 1
                while hi < n and <int64_t>first_edge[hi] <= e:
                    lo = hi
                    hi += step
                    step <<= 1
                if hi > n:
                    hi = n
            else:  # backward: before pos
                hi = pos
                lo = pos - 1
                step = 1
                while lo > 0 and <int64_t>first_edge[lo] > e:
                    hi = lo
                    lo -= step
                    step <<= 1
                if lo < 0:
                    lo = 0
            # first_edge[lo] <= e < first_edge[hi] (or hi == n): the last <= e in [lo, hi)
            while hi - lo > 1:
                mid = lo + (hi - lo) // 2
                if <int64_t>first_edge[mid] <= e:
                    lo = mid
                else:
                    hi = mid
            pos = lo
            out[i] = lo
    return out_arr


def retainer_rows(const int64_t[::1] edges, const int64_t[::1] sources,
                  const uint8_t[::1] edge_type, const int32_t[::1] distance,
                  int64_t root, int weak_type):
    """Of an object's retainer slots (``edges`` and the nodes they leave from): those that
    are neither the root's nor weak, as (edges, sources, distances), int64 each, in slot order;
    an unreachable source's distance is raised by BASE_UNREACHABLE_DISTANCE, as DevTools sorts
    it. One pass without the GIL, in place of a mask and five gathers over millions."""
    cdef Py_ssize_t m = edges.shape[0], i, n = 0
    cdef int64_t src, d
    out_e_arr = np.empty(m, dtype=np.int64)
    out_s_arr = np.empty(m, dtype=np.int64)
    out_d_arr = np.empty(m, dtype=np.int64)
    cdef int64_t[::1] out_e = out_e_arr, out_s = out_s_arr, out_d = out_d_arr
    with nogil:
        for i in range(m):
            src = sources[i]
            if src == root or edge_type[edges[i]] == weak_type:
                continue
            d = distance[src]
            if d == C_NO_DISTANCE:
                d += 2 * C_BASE_SYSTEM_DISTANCE
            out_e[n] = edges[i]
            out_s[n] = src
            out_d[n] = d
            n += 1
    return out_e_arr[:n], out_s_arr[:n], out_d_arr[:n]




def members_by_class(const int32_t[::1] class_id, const size_t_[::1] self_size,
                     Py_ssize_t n_classes):
    """Node ordinals with non-zero self size grouped by class, in node order within a class
    (a counting sort): members of class c are ``nodes[offsets[c]:offsets[c + 1]]``."""
    offsets_arr = np.zeros(n_classes + 1, dtype=np.int64)
    cdef int64_t[::1] offsets = offsets_arr
    cdef Py_ssize_t v, c
    with nogil:
        for v in range(class_id.shape[0]):
            if self_size[v] != 0:
                offsets[class_id[v] + 1] += 1
        for c in range(n_classes):
            offsets[c + 1] += offsets[c]
    fill_arr = offsets_arr[:n_classes].copy()
    nodes_arr = np.empty(offsets_arr[n_classes], dtype=np.int32)
    cdef int64_t[::1] fill = fill_arr
    cdef int32_t[::1] nodes = nodes_arr
    with nogil:
        for v in range(class_id.shape[0]):
            if self_size[v] != 0:
                c = class_id[v]
                nodes[fill[c]] = <int32_t>v
                fill[c] += 1
    return offsets_arr, nodes_arr


def values_used(const uint32_t[::1] values, Py_ssize_t n):
    """Which of 0..n-1 occur in ``values`` (np.bincount(values) > 0 without an int64 copy of
    ``values``)."""
    used_arr = np.zeros(n, dtype=np.bool_)
    cdef uint8_t[::1] used = used_arr.view(np.uint8)
    cdef Py_ssize_t i
    with nogil:
        for i in range(values.shape[0]):
            used[values[i]] = 1
    return used_arr


def lookup_into(const int32_t[::1] table, const uint32_t[::1] values, out_arr):
    """out[i] = table[values[i]] (np.take without an int64 copy of ``values``); returns out."""
    cdef int32_t[::1] out = out_arr
    cdef Py_ssize_t i
    with nogil:
        for i in range(values.shape[0]):
            out[i] = table[values[i]]
    return out_arr


def sum_by_type(const uint8_t[::1] node_type, const size_t_[::1] size, Py_ssize_t n_types):
    """Sum of self sizes per node type (int64, exact)."""
    out_arr = np.zeros(n_types, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    cdef Py_ssize_t v, n = node_type.shape[0]
    with nogil:
        for v in range(n):
            out[node_type[v]] += size[v]
    return out_arr


# ---------------------------------------------------------------------------------- class names
cdef enum:
    MAX_INTERFACE_NAME_LENGTH = 120


def interface_candidates(const int64_t[::1] plain, const offset_t[::1] first_edge,
                         const uint8_t[::1] edge_type, const uint32_t[::1] edge_name,
                         int property_edge, int64_t proto_string,
                         const int64_t[::1] formatted_length):
    """For each plain object: a 64-bit hash of the property names DevTools puts in its
    candidate interface name (edge order, `__proto__` skipped, cut near 120 chars) and how
    many there are (0: no candidate)."""
    cdef Py_ssize_t m = plain.shape[0]
    hashes_arr = np.zeros(m, dtype=np.uint64)
    counts_arr = np.zeros(m, dtype=np.int32)
    cdef uint64_t[::1] hashes = hashes_arr
    cdef int32_t[::1] counts = counts_arr
    cdef Py_ssize_t k, e
    cdef int64_t v, length, fl, s
    cdef uint64_t h
    cdef int32_t c
    with nogil:
        for k in range(m):
            v = plain[k]
            length = 1
            h = 14695981039346656037ULL
            c = 0
            for e in range(<Py_ssize_t>first_edge[v], <Py_ssize_t>first_edge[v + 1]):
                if edge_type[e] != property_edge:
                    continue
                s = edge_name[e]
                if s == proto_string:
                    continue
                fl = formatted_length[s]
                if length > 1 and length + fl > MAX_INTERFACE_NAME_LENGTH:
                    break
                if length != 1:
                    length += 2
                length += fl
                h = (h ^ <uint64_t>(s + 1)) * 1099511628211ULL
                h ^= h >> 29
                c += 1
            hashes[k] = h
            counts[k] = c
    return hashes_arr, counts_arr


def property_set_signatures(const int64_t[::1] plain, const offset_t[::1] first_edge,
                            const uint8_t[::1] edge_type, const uint32_t[::1] edge_name,
                            int property_edge):
    """For each plain object a hash of the sorted multiset of all its property names."""
    cdef Py_ssize_t m = plain.shape[0]
    out_arr = np.zeros(m, dtype=np.uint64)
    cdef uint64_t[::1] out = out_arr
    cdef Py_ssize_t cap = 64, k, e, c, i, j
    cdef int64_t v, x
    cdef uint64_t h
    cdef int64_t* buf = <int64_t*>malloc(cap * sizeof(int64_t))
    cdef int64_t* grown
    if buf == NULL:
        raise MemoryError()
    try:
        with nogil:
            for k in range(m):
                v = plain[k]
                c = 0
                for e in range(<Py_ssize_t>first_edge[v], <Py_ssize_t>first_edge[v + 1]):
                    if edge_type[e] == property_edge:
                        if c == cap:
                            cap = 2 * c
                            grown = <int64_t*>realloc(buf, cap * sizeof(int64_t))
                            if grown == NULL:
                                with gil:
                                    raise MemoryError()
                            buf = grown
                        buf[c] = edge_name[e]
                        c += 1
                for i in range(1, c):  # insertion sort: objects have few properties
                    x = buf[i]
                    j = i - 1
                    while j >= 0 and buf[j] > x:
                        buf[j + 1] = buf[j]
                        j -= 1
                    buf[j + 1] = x
                h = 1469598103934665603ULL
                for i in range(c):
                    h = (h ^ <uint64_t>(buf[i] + 1)) * 1099511628211ULL
                    h ^= h >> 31
                out[k] = h ^ <uint64_t>c
    finally:
        free(buf)
    return out_arr


def property_names_used(const int64_t[::1] plain, const offset_t[::1] first_edge,
                        const uint8_t[::1] edge_type, const uint32_t[::1] edge_name,
                        int property_edge, Py_ssize_t n_strings):
    """Which strings name a property edge of one of the ``plain`` objects (one pass over
    their edges, no per-edge temporaries)."""
    used_arr = np.zeros(n_strings, dtype=np.bool_)
    cdef uint8_t[::1] used = used_arr.view(np.uint8)
    cdef Py_ssize_t k, e
    cdef int64_t o
    with nogil:
        for k in range(plain.shape[0]):
            o = plain[k]
            for e in range(<Py_ssize_t>first_edge[o], <Py_ssize_t>first_edge[o + 1]):
                if edge_type[e] == property_edge:
                    used[edge_name[e]] = 1
    return used_arr


cdef inline uint64_t _mix(uint64_t h, uint64_t x) noexcept nogil:
    """One splitmix64 round of ``x`` folded into ``h``."""
    h ^= x + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2)
    h ^= h >> 30
    h *= 0xBF58476D1CE4E5B9ULL
    h ^= h >> 27
    h *= 0x94D049BB133111EBULL
    h ^= h >> 31
    return h


def located_class_ids(const int64_t[::1] loc_nodes, const uint32_t[::1] loc_script,
                      const uint32_t[::1] loc_line, const uint32_t[::1] loc_col,
                      const uint8_t[::1] node_type, int object_type,
                      const uint32_t[::1] class_sidx, int64_t first_id, int32_t[::1] class_id):
    """Objects (of ``object_type``) with a location get one class id per (script, line,
    column, class string), written into ``class_id``; returns the location index of the
    first node of each new id (ids in order of first appearance).

    An open-addressing hash table keyed by the location index of each key's first node (the
    key itself is read back from the columns), so it costs 12 bytes a slot."""
    cdef Py_ssize_t m = loc_nodes.shape[0], k, qualifying = 0
    with nogil:
        for k in range(m):
            if node_type[loc_nodes[k]] == object_type:
                qualifying += 1
    cdef Py_ssize_t cap = 16
    while cap < 2 * qualifying:
        cap <<= 1
    slot_first_arr = np.full(cap, -1, dtype=np.int64)
    slot_id_arr = np.empty(cap, dtype=np.int64)
    firsts_arr = np.empty(qualifying, dtype=np.int64)
    cdef int64_t[::1] slot_first = slot_first_arr
    cdef int64_t[::1] slot_id = slot_id_arr
    cdef int64_t[::1] firsts = firsts_arr
    cdef Py_ssize_t nf = 0, slot, f
    cdef uint64_t mask = <uint64_t>(cap - 1), h
    cdef int64_t node, fnode
    cdef uint32_t script, line, col, sidx
    with nogil:
        for k in range(m):
            node = loc_nodes[k]
            if node_type[node] != object_type:
                continue
            script = loc_script[k]
            line = loc_line[k]
            col = loc_col[k]
            sidx = class_sidx[node]
            h = _mix(_mix(_mix(_mix(0, script), line), col), sidx)
            slot = <Py_ssize_t>(h & mask)
            while True:
                f = slot_first[slot]
                if f < 0:
                    slot_first[slot] = k
                    slot_id[slot] = first_id + nf
                    firsts[nf] = k
                    nf += 1
                    class_id[node] = <int32_t>(first_id + nf - 1)
                    break
                fnode = loc_nodes[f]
                if (loc_script[f] == script and loc_line[f] == line and loc_col[f] == col
                        and class_sidx[fnode] == sidx):
                    class_id[node] = <int32_t>slot_id[slot]
                    break
                slot = <Py_ssize_t>((slot + 1) & mask)
    return firsts_arr[:nf].copy()


def aggregate_classes(const int32_t[::1] class_id, const size_t_[::1] self_size,
                      const int32_t[::1] distance, Py_ssize_t n_classes):
    """Per class over nodes with non-zero self size: count, self size sum, min distance and
    the first node (DevTools' Map insertion order)."""
    count_arr = np.zeros(n_classes, dtype=np.int64)
    total_arr = np.zeros(n_classes, dtype=np.int64)
    dist_arr = np.full(n_classes, np.iinfo(np.int32).max, dtype=np.int64)
    first_arr = np.full(n_classes, -1, dtype=np.int64)
    cdef int64_t[::1] count = count_arr
    cdef int64_t[::1] total = total_arr
    cdef int64_t[::1] dist = dist_arr
    cdef int64_t[::1] first = first_arr
    cdef Py_ssize_t v
    cdef int64_t s
    cdef int32_t c
    with nogil:
        for v in range(class_id.shape[0]):
            s = self_size[v]
            if s == 0:
                continue
            c = class_id[v]
            if first[c] < 0:
                first[c] = v
            count[c] += 1
            total[c] += s
            if distance[v] < dist[c]:
                dist[c] = distance[v]
    return count_arr, total_arr, dist_arr, first_arr


def names_of_types(const uint32_t[::1] class_sidx, const uint8_t[::1] node_type, int type_a,
                   int type_b, Py_ssize_t space):
    """Mask over the string space: names of nodes of type ``type_a`` or ``type_b``."""
    used_arr = np.zeros(space, dtype=np.bool_)
    cdef uint8_t[::1] used = used_arr.view(np.uint8)
    cdef Py_ssize_t v
    cdef int t
    with nogil:
        for v in range(class_sidx.shape[0]):
            t = node_type[v]
            if t == type_a or t == type_b:
                used[class_sidx[v]] = 1
    return used_arr


def assign_class_strings(uint32_t[::1] class_sidx, const uint8_t[::1] node_type,
                         const int64_t[::1] label_of_type, const int64_t[::1] remap_from,
                         const int64_t[::1] remap_to):
    """In place: nodes whose type has a fixed class label get it; other nodes whose name is in
    ``remap_from`` (sorted) take the matching ``remap_to``."""
    cdef Py_ssize_t v, lo, hi, mid, nr = remap_from.shape[0]
    cdef int64_t label, s
    with nogil:
        for v in range(class_sidx.shape[0]):
            label = label_of_type[node_type[v]]
            if label >= 0:
                class_sidx[v] = <uint32_t>label
            elif nr > 0:
                s = class_sidx[v]
                lo = 0
                hi = nr
                while lo < hi:  # searchsorted (left)
                    mid = (lo + hi) >> 1
                    if remap_from[mid] < s:
                        lo = mid + 1
                    else:
                        hi = mid
                if lo < nr and remap_from[lo] == s:
                    class_sidx[v] = <uint32_t>remap_to[lo]


# ---------------------------------------------------------------------------------- comparison
def comparison_join(const int32_t[::1] t_class, const int64_t[::1] t_number,
                    const size_t_[::1] t_size, const uint32_t[::1] t_ids,
                    const int32_t[::1] b_class, const int64_t[::1] b_number,
                    const base_size_t[::1] b_size, const uint32_t[::1] b_ids,
                    const uint32_t[::1] b_sorted_ids, const int64_t[::1] b_order,
                    Py_ssize_t n_keys):
    """One pass over each side. A counted target object (non-zero size, exported class) is
    kept when the base has the same id counted under the same key, else new; counted base
    objects no target object kept are deleted. Returns (per key, as rows: new, deleted,
    allocated, freed, new with odd ids, deleted with odd ids; is_new per target node;
    is_deleted per base node)."""
    stats_arr = np.zeros((6, n_keys), dtype=np.int64)
    is_new_arr = np.zeros(t_class.shape[0], dtype=np.bool_)
    matched_arr = np.zeros(b_class.shape[0], dtype=np.bool_)
    cdef int64_t[:, ::1] stats = stats_arr
    cdef uint8_t[::1] is_new = is_new_arr.view(np.uint8)
    cdef uint8_t[::1] is_deleted = matched_arr.view(np.uint8)
    cdef Py_ssize_t nb = b_sorted_ids.shape[0], t, b, lo = 0
    cdef int64_t g, prev = -1
    cdef uint32_t node_id
    with nogil:
        for t in range(t_class.shape[0]):
            if t_size[t] == 0:
                continue
            g = t_number[t_class[t]]
            if g < 0:
                continue
            node_id = t_ids[t]
            # A merge: from where the previous id was when this one is not smaller.
            lo = _lower_bound_from(b_sorted_ids, nb, lo if node_id >= prev else 0, node_id)
            prev = node_id
            if lo < nb and b_sorted_ids[lo] == node_id:
                b = b_order[lo]
                if b_size[b] != 0 and b_number[b_class[b]] == g:
                    is_deleted[b] = 1  # "matched" for now
                    continue
            is_new[t] = 1
            stats[0, g] += 1
            stats[2, g] += t_size[t]
            stats[4, g] += node_id & 1
        # The matched flags are flipped to "counted and not kept" (memory reused).
        for b in range(b_class.shape[0]):
            if is_deleted[b]:
                is_deleted[b] = 0
                continue
            if b_size[b] == 0:
                continue
            g = b_number[b_class[b]]
            if g < 0:
                continue
            is_deleted[b] = 1
            stats[1, g] += 1
            stats[3, g] += b_size[b]
            stats[5, g] += b_ids[b] & 1
    return stats_arr, is_new_arr, matched_arr


def dominated_class_totals(const uint32_t[::1] first_dominated, const uint32_t[::1] dominated,
                           const int32_t[::1] class_id, const size_t_[::1] self_size,
                           const retained_t[::1] retained_size, const int64_t[::1] holders,
                           Py_ssize_t n_classes, Py_ssize_t limit):
    """What the ``holders`` keep alive, by class: their dominator subtrees walked depth first
    (at most ``limit`` objects), and per class the objects of a non-zero self size and the
    retained size of the outermost ones (no object of the class between it and its holder, so
    no byte is counted twice: a closure inside a closure is inside the outer one). Returns
    (objects walked, count per class, retained bytes per class)."""
    counts_arr = np.zeros(n_classes, dtype=np.int64)
    sizes_arr = np.zeros(n_classes, dtype=np.int64)
    cdef int64_t[::1] counts = counts_arr
    cdef int64_t[::1] sizes = sizes_arr
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
                    if self_size[child] > 0:
                        counts[c] += 1
                        if on_path[c] == 0:
                            sizes[c] += <int64_t>retained_size[child]
                    count += 1
                    on_path[c] += 1
                    stack_node[depth] = child
                    stack_pos[depth] = first_dominated[child]
                    depth += 1
                else:
                    depth -= 1
                    if depth > 0:  # the holder itself is not on the path
                        on_path[class_id[top]] -= 1
    return count, counts_arr, sizes_arr


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


# ---------------------------------------------------------------------------------- reach
cdef int _cmp_int64(const void* a, const void* b) noexcept nogil:
    cdef int64_t x = (<const int64_t*>a)[0]
    cdef int64_t y = (<const int64_t*>b)[0]
    return (x > y) - (x < y)


def reach_step(const int64_t[::1] frontier, const int64_t[::1] source,
               const offset_t[::1] first_edge, const uint8_t[::1] edge_type,
               const uint32_t[::1] edge_to, const uint8_t[::1] node_type, Py_ssize_t cap,
               const uint8_t[::1] skip_edge_type, const uint8_t[::1] skip_node_type,
               uint32_t[::1] stamp, uint32_t mark):
    """One step of a walk from many starts at once. ``frontier[i]`` was reached from start
    ``source[i]``; entries of one start are adjacent. Follows the first ``cap`` edges of each
    (an edge whose type is flagged in ``skip_edge_type`` is not followed, a target whose node
    type is flagged in ``skip_node_type`` not entered). Returns (targets, their starts, the
    last mark used): each target once per start, sorted by (start, target). ``stamp`` (N
    uint32, zeros at first) remembers what a start reached in this step: marks above ``mark``
    are used, the array is cleared when they run out."""
    cdef Py_ssize_t n = frontier.shape[0], i, run, k = 0, bound = 0, run_start
    cdef int64_t f, s
    cdef Py_ssize_t e, e_end
    cdef uint32_t t, last_mark = 0xFFFFFFFF
    with nogil:
        for i in range(n):
            f = frontier[i]
            bound += min(cap, <Py_ssize_t>(first_edge[f + 1] - first_edge[f]))
    targets_arr = np.empty(bound, dtype=np.int64)
    sources_arr = np.empty(bound, dtype=np.int64)
    cdef int64_t[::1] targets = targets_arr
    cdef int64_t[::1] sources = sources_arr
    with nogil:
        i = 0
        while i < n:
            s = source[i]
            if mark == last_mark:
                for run in range(stamp.shape[0]):
                    stamp[run] = 0
                mark = 0
            mark += 1
            run_start = k
            while i < n and source[i] == s:
                f = frontier[i]
                e = <Py_ssize_t>first_edge[f]
                e_end = min(e + cap, <Py_ssize_t>first_edge[f + 1])
                while e < e_end:
                    if not skip_edge_type[edge_type[e]]:
                        t = edge_to[e]
                        if not skip_node_type[node_type[t]] and stamp[t] != mark:
                            stamp[t] = mark
                            targets[k] = t
                            sources[k] = s
                            k += 1
                    e += 1
                i += 1
            if k - run_start > 1:
                qsort(&targets[run_start], k - run_start, sizeof(int64_t), _cmp_int64)
    return targets_arr[:k], sources_arr[:k], mark


# --------------------------------------------------------------- older-snapshot summaries
def collection_slots(const offset_t[::1] first_edge, const uint32_t[::1] edge_to,
                     const uint8_t[::1] edge_type, const uint32_t[::1] edge_name,
                     target_mask, int skip_type, int numeric_a, int numeric_b,
                     Py_ssize_t n_strings):
    """The edges (none of ``skip_type``) into a node of ``target_mask``, in edge order, as
    columns: (sources uint32, types uint8, names uint32, targets uint32, samples int64). An
    edge of type ``numeric_a`` or ``numeric_b`` keeps its number as its name; any other's name
    (a string index below ``n_strings``) becomes its rank among the distinct string indices
    these edges name, ascending, and ``samples[rank]`` is the first such edge naming that
    string. What listing those edges, gathering their types, names and targets and ranking the
    named ones by a sort give, in two walks of the edges and without an edge-ordinal array."""
    cdef const uint8_t[::1] target = _mask(target_mask)
    cdef Py_ssize_t n = first_edge.shape[0] - 1, m = edge_to.shape[0], e, v, j, c = 0
    first_arr = np.full(n_strings, -1, dtype=np.int64)
    cdef int64_t[::1] first = first_arr
    cdef int64_t distinct = 0
    cdef uint32_t s
    cdef int t
    with nogil:
        for e in range(m):
            t = edge_type[e]
            if t == skip_type or not target[edge_to[e]]:
                continue
            c += 1
            if t != numeric_a and t != numeric_b:
                s = edge_name[e]
                if first[s] < 0:
                    first[s] = e
        for j in range(n_strings):
            if first[j] >= 0:
                distinct += 1
    sources_arr = np.empty(c, dtype=np.uint32)
    types_arr = np.empty(c, dtype=np.uint8)
    names_arr = np.empty(c, dtype=np.uint32)
    targets_arr = np.empty(c, dtype=np.uint32)
    samples_arr = np.empty(distinct, dtype=np.int64)
    cdef uint32_t[::1] sources = sources_arr
    cdef uint8_t[::1] types = types_arr
    cdef uint32_t[::1] names = names_arr
    cdef uint32_t[::1] targets = targets_arr
    cdef int64_t[::1] samples = samples_arr
    cdef int64_t r = 0
    cdef uint32_t w
    with nogil:
        for j in range(n_strings):  # first edge -> rank, the first edges kept as samples
            if first[j] >= 0:
                samples[r] = first[j]
                first[j] = r
                r += 1
        c = 0
        for v in range(n):
            for e in range(<Py_ssize_t>first_edge[v], <Py_ssize_t>first_edge[v + 1]):
                t = edge_type[e]
                w = edge_to[e]
                if t == skip_type or not target[w]:
                    continue
                sources[c] = <uint32_t>v
                types[c] = <uint8_t>t
                targets[c] = w
                if t == numeric_a or t == numeric_b:
                    names[c] = edge_name[e]
                else:
                    names[c] = <uint32_t>first[edge_name[e]]
                c += 1
    return sources_arr, types_arr, names_arr, targets_arr, samples_arr


def element_counts_of(const int64_t[::1] nodes, const offset_t[::1] first_edge,
                      const uint8_t[::1] edge_type, const uint32_t[::1] edge_name,
                      const uint32_t[::1] edge_to, const uint8_t[::1] node_type,
                      int weak_edge, int internal_edge, is_storage_mask, storage_type_mask):
    """`collection_entry_counts` of ``nodes`` only, uint32 (a count stops at 2^32 - 1): what
    an older snapshot's collections summary keeps, without a count for every node."""
    cdef const uint8_t[::1] is_storage_name = _mask(is_storage_mask)
    cdef const uint8_t[::1] storage_type = _mask(storage_type_mask)
    cdef Py_ssize_t n = nodes.shape[0], i
    out_arr = np.zeros(n, dtype=np.uint32)
    cdef uint32_t[::1] out = out_arr
    cdef int64_t own, most = 0xFFFFFFFF
    with nogil:
        for i in range(n):
            own = _entry_count(<Py_ssize_t>nodes[i], first_edge, edge_type, edge_name, edge_to,
                               node_type, weak_edge, internal_edge, is_storage_name,
                               storage_type)
            out[i] = <uint32_t>(own if own < most else most)
    return out_arr


def first_index_of(const uint32_t[::1] values, uint32_t key):
    """The first ``i`` with ``values[i] == key``, or -1: one pass that stops at the hit, without
    the GIL and without a mask (the TUI's go-to looks for one id among a giant snapshot's 73M
    this way instead of sorting them). Blocks of 64 are compared without a branch (the
    compiler makes that loop SIMD), and only a block with a hit is looked at again."""
    cdef Py_ssize_t i, block, n = values.shape[0], found = -1
    cdef const uint32_t* v = &values[0] if n else NULL
    cdef int hit
    with nogil:
        block = 0
        while block + 64 <= n and found < 0:
            hit = 0
            for i in range(block, block + 64):
                hit |= v[i] == key
            if hit:
                for i in range(block, block + 64):
                    if v[i] == key:
                        found = i
                        break
            block += 64
        if found < 0:
            for i in range(block, n):
                if v[i] == key:
                    found = i
                    break
    return found

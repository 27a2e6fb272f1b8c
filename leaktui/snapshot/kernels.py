"""JIT kernels for the heap graph: retainers, DOM state, flags, shallow sizes, dominators,
distances, class retained sizes. Each mirrors one step of DevTools' HeapSnapshot.ts so the
numbers match exactly; each is O(nodes + edges) over flat arrays.

Conventions: nodes are ordinals 0..N-1; edges are ordinals 0..E-1; ``first_edge`` is the CSR
offset array (length N+1) of a node's outgoing edges, in file order.
"""

from __future__ import annotations

import numba
import numpy as np

NO_DISTANCE = -5
BASE_SYSTEM_DISTANCE = 100_000_000
BASE_UNREACHABLE_DISTANCE = 2 * BASE_SYSTEM_DISTANCE

# Per-node flag bits.
FLAG_PAGE_OBJECT = 1
FLAG_CAN_BE_QUERIED = 2
FLAG_DETACHED_DOM = 4


@numba.njit(cache=True, nogil=True)
def build_retainers(
    edge_to: np.ndarray, first_edge: np.ndarray, node_count: int, retaining_edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reverse CSR, in DevTools' order (a node's retainers in reverse edge order).
    ``retaining_edges`` is a spare uint32 array of edge_count length, filled here.

    Returns (first_retainer[N+1], retaining_nodes[E], retaining_edges[E]).
    """
    edge_count = edge_to.shape[0]
    first_retainer = np.zeros(node_count + 1, dtype=first_edge.dtype)
    retaining_nodes = np.empty(edge_count, dtype=np.uint32)
    for e in range(edge_count):
        first_retainer[edge_to[e]] += 1
    fill = np.empty(node_count, dtype=first_edge.dtype)
    slot = 0
    for i in range(node_count):
        c = first_retainer[i]
        first_retainer[i] = slot
        slot += c
        fill[i] = slot  # filled backwards from the end of the slice
    first_retainer[node_count] = edge_count
    for src in range(node_count):
        for e in range(first_edge[src], first_edge[src + 1]):
            t = edge_to[e]
            fill[t] -= 1
            retaining_nodes[fill[t]] = src
            retaining_edges[fill[t]] = e
    return first_retainer, retaining_nodes, retaining_edges


@numba.njit(cache=True, nogil=True)
def propagate_dom_state(
    node_type: np.ndarray,
    detachedness: np.ndarray,
    first_edge: np.ndarray,
    edge_type: np.ndarray,
    edge_to: np.ndarray,
    native_type: int,
    hidden_edge: int,
    weak_edge: int,
) -> np.ndarray:
    """DevTools' propagateDOMState: attached state flows first, then detached, through native
    nodes only. Updates ``detachedness`` in place; returns a mask of nodes renamed 'Detached '."""
    n = node_type.shape[0]
    visited = np.zeros(n, dtype=np.uint8)
    renamed = np.zeros(n, dtype=np.bool_)
    attached = np.empty(n, dtype=np.uint32)
    detached = np.empty(n, dtype=np.uint32)
    na = 0
    nd = 0
    for v in range(n):
        state = detachedness[v]
        if state == 0 or visited[v]:
            continue
        if node_type[v] != native_type:
            visited[v] = 1
            continue
        if state == 1:
            attached[na] = v
            na += 1
        elif state == 2:
            renamed[v] = True
            detached[nd] = v
            nd += 1
        visited[v] = 1
    _spread_dom_state(attached, na, 1, detachedness, visited, renamed, node_type, first_edge,
                      edge_type, edge_to, native_type, hidden_edge, weak_edge)
    _spread_dom_state(detached, nd, 2, detachedness, visited, renamed, node_type, first_edge,
                      edge_type, edge_to, native_type, hidden_edge, weak_edge)
    return renamed


@numba.njit(cache=True, nogil=True)
def _spread_dom_state(stack: np.ndarray, top: int, state: int, detachedness: np.ndarray,
                      visited: np.ndarray, renamed: np.ndarray, node_type: np.ndarray,
                      first_edge: np.ndarray, edge_type: np.ndarray, edge_to: np.ndarray,
                      native_type: int, hidden_edge: int, weak_edge: int) -> None:
    """Spread ``state`` (1 attached, 2 detached) from the nodes on ``stack`` to unvisited
    native children, never through other node types; a detached node popped after it was
    found attached is skipped."""
    while top > 0:
        top -= 1
        v = stack[top]
        if state == 2 and detachedness[v] == 1:
            continue
        for e in range(first_edge[v], first_edge[v + 1]):
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
                renamed[w] = True
            stack[top] = w
            top += 1


@numba.njit(cache=True, nogil=True)
def mark_reachable(
    seeds: np.ndarray,
    first_edge: np.ndarray,
    edge_type: np.ndarray,
    edge_to: np.ndarray,
    skip_types: np.ndarray,
    flags: np.ndarray,
    flag: int,
) -> None:
    """Set ``flag`` on every node reachable from ``seeds`` through edges whose type is not
    in ``skip_types`` (markPageOwnedNodes / markQueriableHeapObjects)."""
    n = flags.shape[0]
    stack = np.empty(n + seeds.shape[0], dtype=np.uint32)
    top = 0
    skip = np.zeros(16, dtype=np.bool_)
    for t in skip_types:
        skip[t] = True
    for s in seeds:
        flags[s] |= flag
        stack[top] = s
        top += 1
    while top > 0:
        top -= 1
        v = stack[top]
        for e in range(first_edge[v], first_edge[v + 1]):
            w = edge_to[e]
            if flags[w] & flag:
                continue
            if skip[edge_type[e]]:
                continue
            flags[w] |= flag
            stack[top] = w
            top += 1


@numba.njit(cache=True, nogil=True)
def essential_edges(
    first_edge: np.ndarray,
    edge_type: np.ndarray,
    edge_name: np.ndarray,
    edge_to: np.ndarray,
    node_id: np.ndarray,
    flags: np.ndarray,
    root: int,
    internal_edge: int,
    weak_edge: int,
    shortcut_edge: int,
    ephemeron_table_of_string: np.ndarray,
) -> np.ndarray:
    """DevTools' computeIsEssentialEdge for every edge (the graph used for dominators)."""
    n = first_edge.shape[0] - 1
    out = np.zeros(edge_to.shape[0], dtype=np.bool_)
    for v in range(n):
        v_page = flags[v] & FLAG_PAGE_OBJECT
        for e in range(first_edge[v], first_edge[v + 1]):
            t = edge_type[e]
            if t == internal_edge:
                table = ephemeron_table_of_string[edge_name[e]]
                if table >= 0 and node_id[v] == table:
                    continue
            if t == weak_edge:
                continue
            w = edge_to[e]
            if w == v:
                continue
            if v != root:
                if t == shortcut_edge:
                    continue
                if (flags[w] & FLAG_PAGE_OBJECT) and not v_page:
                    continue
            out[e] = True
    return out


@numba.njit(cache=True, nogil=True)
def fold_shallow_sizes(
    self_size: np.ndarray,
    candidate: np.ndarray,
    first_edge: np.ndarray,
    edge_type: np.ndarray,
    edge_to: np.ndarray,
    weak_edge: int,
    no_transfer_owner: np.ndarray,
) -> None:
    """DevTools' calculateShallowSizes: fold internal storage (hidden, array, external string
    data) reached from exactly one owner into that owner's self size. In place."""
    n = self_size.shape[0]
    unvisited = np.uint32(0xFFFFFFFF)
    multiple = np.uint32(0xFFFFFFFE)
    owners = np.empty(n, dtype=np.uint32)
    stack = np.empty(2 * n + 1, dtype=np.uint32)
    top = 0
    for i in range(n):
        if candidate[i]:
            owners[i] = unvisited
        else:
            owners[i] = i
            stack[top] = i
            top += 1
    while top > 0:
        top -= 1
        v = stack[top]
        owner = owners[v]
        for e in range(first_edge[v], first_edge[v + 1]):
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
    for i in range(n):
        o = owners[i]
        if o == unvisited or o == multiple or o == i:
            continue
        if no_transfer_owner[o]:
            continue
        self_size[o] = np.uint32(self_size[o] + self_size[i])
        self_size[i] = 0


@numba.njit(cache=True, nogil=True)
def _has_only_weak_retainers(
    v: int, first_retainer: np.ndarray, retaining_edges: np.ndarray, essential: np.ndarray
) -> bool:
    for r in range(first_retainer[v], first_retainer[v + 1]):
        if essential[retaining_edges[r]]:
            return False
    return True


@numba.njit(cache=True, nogil=True)
def dominators_and_retained(
    first_edge: np.ndarray,
    edge_to: np.ndarray,
    essential: np.ndarray,
    first_retainer: np.ndarray,
    retaining_nodes: np.ndarray,
    retaining_edges: np.ndarray,
    self_size: np.ndarray,
    root: int,
    scratch_a: np.ndarray,
    scratch_b: np.ndarray,
    scratch_c: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Lengauer-Tarjan exactly as DevTools runs it (same DFS order, same patch-ups for nodes
    reached only through weak edges and for unreachable cliques). Returns
    (dominator ordinal per node, retained size per node, #weak-only starts, #unreachable).
    ``scratch_*``: uint32 arrays of N+1 the caller has no use for now (their contents are
    overwritten), or empty ones: the kernel then allocates its own."""
    n_nodes = first_edge.shape[0] - 1
    size = n_nodes + 1
    parent = scratch_a if scratch_a.shape[0] == size else np.empty(size, dtype=np.uint32)
    parent[:] = 0
    ancestor = np.zeros(size, dtype=np.uint32)
    vertex = np.zeros(size, dtype=np.uint32)
    label = scratch_b if scratch_b.shape[0] == size else np.empty(size, dtype=np.uint32)
    label[:] = 0
    semi = np.zeros(size, dtype=np.uint32)
    next_edge = np.zeros(size, dtype=first_edge.dtype)
    bucket_next = np.zeros(size, dtype=np.uint32)
    n = 0

    # Iterative DFS over essential edges (vertices are ordinal + 1; 0 means none).
    def dfs(start: int, n: int) -> int:
        next_edge[start - 1] = first_edge[start - 1]
        v = start
        while v != 0:
            if semi[v] == 0:
                n += 1
                semi[v] = n
                vertex[n] = v
                label[v] = v
            v_next = parent[v]
            vo = v - 1
            end = first_edge[vo + 1]
            while next_edge[vo] < end:
                e = next_edge[vo]
                if essential[e]:
                    w = edge_to[e] + 1
                    if semi[w] == 0:
                        parent[w] = v
                        next_edge[w - 1] = first_edge[w - 1]
                        v_next = w
                        break
                next_edge[vo] += 1
            v = v_next
        return n

    r = root + 1
    n = dfs(r, n)
    weak_only = 0
    unreachable = 0
    if n < n_nodes:
        for v in range(1, n_nodes + 1):
            if semi[v] == 0 and _has_only_weak_retainers(v - 1, first_retainer, retaining_edges,
                                                         essential):
                weak_only += 1
                parent[v] = r
                n = dfs(v, n)
    if n < n_nodes:
        for v in range(1, n_nodes + 1):
            if semi[v] == 0:
                unreachable += 1
                parent[v] = r
                n += 1
                semi[v] = n
                vertex[n] = v
                label[v] = v

    # The DFS is over: its per-node cursor becomes the bucket heads (memory reused).
    bucket_head = next_edge.view(np.uint32)[:size]
    bucket_head[:] = 0
    stack = scratch_c if scratch_c.shape[0] == size else np.empty(size, dtype=np.uint32)

    def evaluate(v0: int) -> int:
        if ancestor[v0] == 0:
            return v0
        sp = 0
        v = v0
        while ancestor[ancestor[v]] != 0:
            sp += 1
            stack[sp] = v
            v = ancestor[v]
        while sp > 0:
            w = stack[sp]
            sp -= 1
            if semi[label[ancestor[w]]] < semi[label[w]]:
                label[w] = label[ancestor[w]]
            ancestor[w] = ancestor[ancestor[w]]
        return label[v0]

    dom = np.zeros(size, dtype=np.uint32)
    for i in range(n, 1, -1):
        w = vertex[i]
        wo = w - 1
        orphan = True
        for ri in range(first_retainer[wo], first_retainer[wo + 1]):
            if not essential[retaining_edges[ri]]:
                continue
            orphan = False
            u = evaluate(retaining_nodes[ri] + 1)
            if semi[u] < semi[w]:
                semi[w] = semi[u]
        if orphan:
            semi[w] = semi[r]
        b = vertex[semi[w]]
        bucket_next[w] = bucket_head[b]
        bucket_head[b] = w
        ancestor[w] = parent[w]
        p = parent[w]
        v = bucket_head[p]
        while v != 0:
            u = evaluate(v)
            dom[v] = u if semi[u] < semi[v] else p
            v = bucket_next[v]
        bucket_head[p] = 0
    dom[0] = r
    dom[r] = r
    for i in range(2, n + 1):
        w = vertex[i]
        if dom[w] != vertex[semi[w]]:
            dom[w] = dom[dom[w]]

    dominator = ancestor[:n_nodes]  # ancestor is no longer needed: reuse its memory
    retained = np.empty(n_nodes, dtype=np.int64)
    for o in range(n_nodes):
        dominator[o] = dom[o + 1] - 1
        retained[o] = self_size[o]
    for i in range(n, 1, -1):
        o = vertex[i] - 1
        retained[dominator[o]] += retained[o]
    return dominator, retained, weak_only, unreachable


@numba.njit(cache=True, nogil=True)
def dominated_children(dominator: np.ndarray, root: int) -> tuple[np.ndarray, np.ndarray]:
    """Children lists of the dominator tree as CSR (first[N+1], children), ordinal order."""
    n = dominator.shape[0]
    first = np.zeros(n + 1, dtype=np.uint32)
    for o in range(n):
        if o != root:
            first[dominator[o] + 1] += 1
    for i in range(n):
        first[i + 1] += first[i]
    children = np.empty(max(n - 1, 0), dtype=np.uint32)
    # first[d] serves as d's fill cursor (no copy of it): afterwards it holds the start of
    # d + 1, so the offsets are shifted back by one.
    for o in range(n):
        if o != root:
            d = dominator[o]
            children[first[d]] = o
            first[d] += 1
    for i in range(n, 0, -1):
        first[i] = first[i - 1]
    first[0] = 0
    return first, children


@numba.njit(cache=True, nogil=True)
def distances_bfs(
    first_edge: np.ndarray,
    edge_type: np.ndarray,
    edge_name: np.ndarray,
    edge_to: np.ndarray,
    seeds: np.ndarray,
    root: int,
    weak_edge: int,
    internal_edge: int,
    static_skip: np.ndarray,
    ephemeron_pair_of_string: np.ndarray,
    ignored: np.ndarray,
) -> np.ndarray:
    """DevTools' calculateDistances (JS filter included): BFS from user roots at distance 1,
    then from the root at BASE_SYSTEM_DISTANCE (or 0 without user roots). Skips weak edges,
    edges marked in ``static_skip`` and the first-seen edge of each WeakMap ephemeron pair;
    never enters nodes marked in ``ignored`` (the Retainers view's "ignore this retainer")."""
    n = first_edge.shape[0] - 1
    dist = np.full(n, NO_DISTANCE, dtype=np.int32)
    queue = np.empty(n + seeds.shape[0] + 1, dtype=np.uint32)
    n_pairs = 0
    for i in range(ephemeron_pair_of_string.shape[0]):
        if ephemeron_pair_of_string[i] + 1 > n_pairs:
            n_pairs = ephemeron_pair_of_string[i] + 1
    pending = np.zeros(max(n_pairs, 1), dtype=np.bool_)
    length = 0
    for s in seeds:
        dist[s] = 1
        queue[length] = s
        length += 1
    for phase in range(2):
        if phase == 1:
            dist[root] = BASE_SYSTEM_DISTANCE if seeds.shape[0] > 0 else 0
            queue[0] = root
            length = 1
        index = 0
        while index < length:
            v = queue[index]
            index += 1
            d = dist[v] + 1
            for e in range(first_edge[v], first_edge[v + 1]):
                t = edge_type[e]
                if t == weak_edge:
                    continue
                w = edge_to[e]
                if dist[w] != NO_DISTANCE:
                    continue
                if ignored[w]:
                    continue
                if static_skip[e]:
                    continue
                if t == internal_edge:
                    pair = ephemeron_pair_of_string[edge_name[e]]
                    if pair >= 0:
                        if pending[pair]:
                            pending[pair] = False
                        else:
                            pending[pair] = True
                            continue
                dist[w] = d
                queue[length] = w
                length += 1
    return dist


@numba.njit(cache=True, nogil=True)
def class_retained_sizes(
    first_child: np.ndarray,
    children: np.ndarray,
    class_id: np.ndarray,
    self_size: np.ndarray,
    retained: np.ndarray,
    n_classes: int,
    root: int,
) -> np.ndarray:
    """DevTools' calculateClassesRetainedSize: a node adds its retained size to its class unless
    a dominator-tree ancestor with non-zero self size has the same class (no double counting)."""
    out = np.zeros(n_classes, dtype=np.int64)
    active = np.zeros(n_classes, dtype=np.int32)
    n = class_id.shape[0]
    leave = np.uint32(0x80000000)  # high bit marks "leaving this node" (N < 2**31)
    stack = np.empty(min(n + 1, 1 << 16), dtype=np.uint32)  # grows with the tree's needs
    top = 0
    stack[top] = root
    top += 1
    while top > 0:
        top -= 1
        item = stack[top]
        if item & leave:
            active[class_id[item & ~leave]] -= 1
            continue
        v = item
        c = class_id[v]
        need = top + 1 + (first_child[v + 1] - first_child[v])
        if need > stack.shape[0]:
            grown = np.empty(max(need, 2 * stack.shape[0]), dtype=np.uint32)
            grown[:top] = stack[:top]
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
    return out


@numba.njit(cache=True, nogil=True)
def shortest_retainer_path(
    start: int,
    dist: np.ndarray,
    first_retainer: np.ndarray,
    first_edge: np.ndarray,
    retaining_edges: np.ndarray,
    edge_type: np.ndarray,
    weak_edge: int,
    root: int,
    max_len: int,
) -> np.ndarray:
    """Edges (ordinals) of a shortest path from a user root down to ``start``: from ``start``
    up through the retainer with the smallest distance at each step (ties: the first in
    DevTools' retainer order), as the auto-expanded Retainers view shows. Root-first; empty
    when the node is a user root or reachable only through system roots."""
    path = np.empty(max_len, dtype=np.int64)
    k = 0
    v = start
    while k < max_len:
        dv = dist[v]
        if dv <= 1 or dv >= BASE_SYSTEM_DISTANCE:
            break
        best_e = -1
        best_u = -1
        best_d = np.int64(BASE_SYSTEM_DISTANCE)
        for r in range(first_retainer[v], first_retainer[v + 1]):
            e = retaining_edges[r]
            u = np.searchsorted(first_edge, e, side="right") - 1
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
    out = np.empty(k, dtype=np.int64)
    for i in range(k):
        out[i] = path[k - 1 - i]
    return out


@numba.njit(cache=True, nogil=True)
def names_used_by(edge_type: np.ndarray, edge_name: np.ndarray, wanted_type: int,
                  string_count: int) -> np.ndarray:
    """Mask over the string table: names of edges of ``wanted_type``."""
    used = np.zeros(string_count, dtype=np.bool_)
    for e in range(edge_type.shape[0]):
        if edge_type[e] == wanted_type:
            used[edge_name[e]] = True
    return used


@numba.njit(cache=True, nogil=True)
def js_array_sizes(node_type: np.ndarray, node_name: np.ndarray, is_array_name: np.ndarray,
                   skip_type: np.ndarray, first_edge: np.ndarray, edge_type: np.ndarray,
                   edge_name: np.ndarray, edge_to: np.ndarray, first_retainer: np.ndarray,
                   size: np.ndarray, internal_edge: int, is_elements: np.ndarray) -> int:
    """DevTools' JS arrays statistic: nodes named `Array` (not hidden, native, code or
    string), plus the first `elements` store of each when it has exactly one retainer."""
    total = 0
    for v in range(node_type.shape[0]):
        if skip_type[node_type[v]] or not is_array_name[node_name[v]]:
            continue
        total += size[v]
        for e in range(first_edge[v], first_edge[v + 1]):
            if edge_type[e] == internal_edge and is_elements[edge_name[e]]:
                w = edge_to[e]
                if first_retainer[w + 1] - first_retainer[w] == 1:
                    total += size[w]
                break
    return total


@numba.njit(cache=True, nogil=True)
def first_sized_node(class_id: np.ndarray, self_size: np.ndarray, n_classes: int) -> np.ndarray:
    """First node ordinal with non-zero self size of each class (-1 if none)."""
    first = np.full(n_classes, -1, dtype=np.int64)
    for v in range(class_id.shape[0]):
        if self_size[v] != 0 and first[class_id[v]] < 0:
            first[class_id[v]] = v
    return first


@numba.njit(cache=True, nogil=True)
def collection_entry_counts(first_edge: np.ndarray, edge_type: np.ndarray,
                            edge_name: np.ndarray, edge_to: np.ndarray, node_type: np.ndarray,
                            weak_edge: int, internal_edge: int, is_storage_name: np.ndarray,
                            storage_type: np.ndarray) -> np.ndarray:
    """Per node: max(own non-weak edges, edges of its storage children)."""
    n = first_edge.shape[0] - 1
    out = np.zeros(n, dtype=np.int64)
    for v in range(n):
        own = 0
        stored = 0
        for e in range(first_edge[v], first_edge[v + 1]):
            t = edge_type[e]
            if t == weak_edge:
                continue
            own += 1
            if t == internal_edge and is_storage_name[edge_name[e]]:
                w = edge_to[e]
                if storage_type[node_type[w]]:
                    stored += first_edge[w + 1] - first_edge[w]
        out[v] = own if own > stored else stored
    return out


@numba.njit(cache=True, nogil=True)
def members_by_class(class_id: np.ndarray, self_size: np.ndarray,
                     n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Node ordinals with non-zero self size grouped by class, in node order within a class
    (a counting sort): members of class c are ``nodes[offsets[c]:offsets[c + 1]]``."""
    offsets = np.zeros(n_classes + 1, dtype=np.int64)
    for v in range(class_id.shape[0]):
        if self_size[v] != 0:
            offsets[class_id[v] + 1] += 1
    for c in range(n_classes):
        offsets[c + 1] += offsets[c]
    fill = offsets[:-1].copy()
    nodes = np.empty(offsets[n_classes], dtype=np.int32)
    for v in range(class_id.shape[0]):
        if self_size[v] != 0:
            c = class_id[v]
            nodes[fill[c]] = v
            fill[c] += 1
    return offsets, nodes


@numba.njit(cache=True, nogil=True)
def values_used(values: np.ndarray, n: int) -> np.ndarray:
    """Which of 0..n-1 occur in ``values`` (np.bincount(values) > 0 without an int64 copy of
    ``values``)."""
    used = np.zeros(n, dtype=np.bool_)
    for v in values:
        used[v] = True
    return used


@numba.njit(cache=True, nogil=True)
def lookup_into(table: np.ndarray, values: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out[i] = table[values[i]] (np.take without an int64 copy of ``values``)."""
    for i in range(values.shape[0]):
        out[i] = table[values[i]]
    return out

"""The path from a root to an object, and the one way it is written.

Every place that names an object by where it lives (the object pane, `y`, findings, pins,
suspects' holders and titles, every report format) asks this module, so one object reads the
same everywhere: `global.services.profiles.userCache.get('user-3')`.

- `root_path(snap, node)`: the edges of the path. A shortest path from a user root
  (`global`) when the object has a user distance; else the shortest path from a system root
  (an object held only by a running function's stack, a handle, ...), weak edges never used.
  Of paths of one length, the one that reads first from the object up (`_first_by_edge`: a
  property before a closure's variable, then by name), where DevTools' (`snap.path_to_root`,
  the Retainers view's) takes the retainer V8 lists first, which follows the heap's layout.
- `path_steps` turns the edges into `Step`s, each written once:

  ============================  ==========================  =================================
  edge                          written                     example
  ============================  ==========================  =================================
  property, shortcut            `.name`, `["not ident"]`    `.userCache`, `["x-y"]`
  element                       `[i]`                       `list[3]`
  `{elements}` + slot           `[i]` (an array's store)    `list[3]`
  context (closure variable)    `.name`                     `.quote.{context}.cache`
  internal                      `.{name}`                   `.{context}`, `.{bound_this}`
  hidden                        `[name]`                    `[2]`
  a Map's `{table}` + slot      `.get(key)` by the key      `.get('user-3')`, `.get(42)`,
                                stored before the value     `.get(Session @71)`
  ephemeron (WeakMap value)     `.{WeakMap value}`          `keyObj.{WeakMap value}`
  ============================  ==========================  =================================

  A global defined by an accessor (Node's `process`, `Buffer`) is reached through its setter's
  scope (`set process.{context}._process`): it is written as the global, `.process`.
- Elision, written once here: a run of one step (a linked list) is collapsed to `.next×40`
  (a run of `MIN_RUN` or more: `._store._store`, a wrapper's field named as what it wraps,
  stays as it is);
  after that, a path longer than `PATH_STEPS_SHOWN` steps keeps its first and last
  `PATH_STEPS_SHOWN // 2` steps around `…N more…` (`path_text`). A title keeps the steps
  after the last step into the scope of one of Node's own functions (`path_label`:
  `clearInterval.{context}.timerListMap` is labelled `timerListMap`); past six, the first two
  and the last four around `…` (`db.pool…_waitingClientsQueue._slots[0]._list`).
- `user_distance(snap, node)`: the distance from a user root, None when there is none (only
  system roots, or unreachable): the one "has a user distance" test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from leaktui.snapshot._base import slots_of
from leaktui.snapshot._sets import isin, unique
from leaktui.snapshot.graph import BASE_SYSTEM_DISTANCE, NO_DISTANCE, HeapSnapshot

PATH_STEPS_SHOWN = 14  # a longer path keeps its first and last seven steps
LABEL_STEPS = 4  # steps of a path in a title: `backend.api.interceptors.request`
LABEL_HEAD = 2  # first steps kept before `…` when a title's path is longer
KEY_WIDTH = 40  # a Map's string key is cut after this many characters
NAME_WIDTH = 60  # so is any other edge name
SYSTEM_PATH_STEPS = 200  # the walk from a system root gives up after this many steps
NO_PATH = "(no path from a root: held by the engine only, or unreachable)"
_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*$")
_EPHEMERON = re.compile(r"part of key \(.*\) -> value \(.*\) pair in WeakMap")


def shown_distance(d: int) -> int | None:
    """A distance as DevTools shows it: None (`-`) when it is not from a user root (only
    system roots, `BASE_SYSTEM_DISTANCE` and above, or unreachable, negative)."""
    return d if 0 <= d < BASE_SYSTEM_DISTANCE else None


def user_distance(snap: HeapSnapshot, node: int) -> int | None:
    """The object's distance from a user root (`global`), None when it has none (held only
    from system roots, or unreachable)."""
    return shown_distance(int(snap.distance[node]))


def has_user_distance(snap: HeapSnapshot, node: int) -> bool:
    return user_distance(snap, node) is not None


def user_distances(snap: HeapSnapshot, nodes: np.ndarray) -> np.ndarray:
    """`has_user_distance` for many objects at once (a boolean array)."""
    d = snap.distance[np.asarray(nodes, dtype=np.int64)]
    return np.asarray((d >= 0) & (d < BASE_SYSTEM_DISTANCE))


@dataclass(frozen=True)
class RootPath:
    """The edges from ``root`` down to an object (empty when the object is a root's direct
    child through no named edge, or no path was found); ``user`` tells a user root
    (`global`) from a system one."""

    root: int  # ordinal of the first node of the path, -1 when there is no path
    edges: tuple[int, ...]
    user: bool


@dataclass(frozen=True)
class Step:
    """One step of a path as written (`text`, e.g. `.get('k')`) and as DevTools' edge names
    it stands for (`names`, e.g. `("table", "8")`, for the JSON lists of names);
    ``node_scope`` marks the step into the scope of one of Node's own functions (a title's
    label starts after it)."""

    text: str
    names: tuple[str, ...]
    node_scope: bool = False

    @property
    def name(self) -> str:
        return self.names[0]


def root_path(snap: HeapSnapshot, node: int) -> RootPath:
    """The path to ``node``: from a user root when it has a user distance, else from the
    nearest system root (`(Stack roots)`, `(Handle scope)`, ...), never through a weak edge.
    Of the shortest paths, the one `_first_by_edge` picks, whatever order V8 laid out the
    retainers in (`snap.path_to_root`, the Retainers view's, takes the first retainer)."""
    user = has_user_distance(snap, node)
    if user:
        edges, root = _first_by_edge(snap, node, user=True)
        if edges:
            return RootPath(snap.edge_source(edges[0]), _one_method(snap, edges), True)
        # a user root itself (`global`): the path is its name; the synthetic root has none
        synthetic = int(snap.node_type[node]) == snap.T_SYNTHETIC
        return RootPath(-1 if synthetic else node, (), True)
    edges, root = _first_by_edge(snap, node, user=False)
    if edges and root < 0:
        root = snap.edge_source(edges[0])
    return RootPath(root, _one_method(snap, edges), False)


def naming_edges(snap: HeapSnapshot, node: int) -> tuple[int, ...]:
    """The edges of `root_path` from a user root (empty without a user distance): what names
    an object, or reads where it lives (behind a timer, in a module of Node's), the same way
    in every run. The Retainers view and DevTools' figures keep `snap.path_to_root`."""
    path = root_path(snap, node)
    return path.edges if path.user else ()


def edge_ranks(snap: HeapSnapshot) -> np.ndarray:
    """Per edge type, how a path prefers to be named through it, smallest first: a property
    (`.cache`), an element (`[3]`), a closure's variable (`.{context}.cache` ends with one),
    V8's own links (`{context}`, `{table}`), a hidden slot."""
    rank = np.full(len(snap.edge_type_names) + 1, 5, dtype=np.int64)
    for rank_of, types in enumerate(((snap.E_PROPERTY, snap.E_SHORTCUT), (snap.E_ELEMENT,),
                                     (snap.E_CONTEXT,), (snap.E_INTERNAL,), (snap.E_HIDDEN,))):
        for t in types:
            if t >= 0:
                rank[t] = rank_of
    return rank


def _first_by_edge(snap: HeapSnapshot, node: int, user: bool) -> tuple[tuple[int, ...], int]:
    """(edges root-first, the system root it starts from or -1) of the shortest path to
    ``node`` that reads first when compared step by step from the object up: at each step the
    edge of the smallest `edge_ranks`, then of the smallest name (a number's value for an
    element or hidden slot). Several objects holding the object at the same distance (a
    closure's scope and a property, both naming `keys`) are written the same way in every run:
    V8 lists retainers in its layout's order, and the first it lists is what DevTools' path
    takes. Walks up all the retainers still tied at once, so the choice at a step is never
    made before what is read nearer the object is."""
    rank_of = edge_ranks(snap)
    numbered = np.zeros(rank_of.size, dtype=bool)
    for t in (snap.E_ELEMENT, snap.E_HIDDEN):
        if t >= 0:
            numbered[t] = True
    dist = snap.distance
    frontier = np.array([node], dtype=np.int64)
    levels: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (edges, into, sources)
    root = -1
    for _ in range(SYSTEM_PATH_STEPS if not user else snap.node_count):
        dv = int(dist[frontier[0]])
        if user and (dv <= 1 or dv >= BASE_SYSTEM_DISTANCE):
            break
        if not user and (dv == NO_DISTANCE or int(snap.node_type[frontier[0]]) == snap.T_SYNTHETIC):
            break
        if frontier.size == 1:  # the common case: one object, its retainer slots in a row
            v = int(frontier[0])
            edges = snap.retaining_edges[
                int(snap.first_retainer[v]):int(snap.first_retainer[v + 1])].astype(np.int64)
            owner = np.zeros(edges.size, dtype=np.int64)
        else:
            slots, owner = slots_of(snap.first_retainer, frontier)
            edges = snap.retaining_edges[slots].astype(np.int64)
        if not edges.size:
            break
        srcs = snap.edge_sources(edges)
        du = dist[srcs].astype(np.int64)
        ok = (snap.edge_type[edges] != snap.E_WEAK) & (du >= 0) & (du < dv)
        if user:
            ok &= srcs != snap.root
        if not ok.any():
            break
        chosen = np.flatnonzero(ok & (du == du[ok].min()))
        if chosen.size > 1:
            types = snap.edge_type[edges[chosen]].astype(np.int64)
            ranks = rank_of[types]
            keep = ranks == ranks.min()
            chosen, types = chosen[keep], types[keep]
        if chosen.size > 1:
            names = snap.edge_name[edges[chosen]].astype(np.int64)
            if numbered[types].all():
                chosen = chosen[names == names.min()]
            else:
                texts = {int(i): snap.strings[int(i)] for i in unique(names).tolist()}
                first = min(texts.values())
                chosen = chosen[isin(names, np.array([i for i, t in texts.items() if t == first]))]
        levels.append((edges[chosen], frontier[owner[chosen]], srcs[chosen]))
        synthetic = snap.node_type[srcs[chosen]] == snap.T_SYNTHETIC
        if not user and synthetic.any():
            root = int(srcs[chosen][np.flatnonzero(synthetic)[0]])
            levels.pop()
            break
        frontier = unique(srcs[chosen])
    if not levels:
        return (), root
    # Down from the top: any object still tied there reads the same way; each step takes the
    # first edge from the object above into an object of the level below.
    out: list[int] = []
    above = int(levels[-1][2][0])
    for edges, into, sources in reversed(levels):
        i = int(np.flatnonzero(sources == above)[0])
        out.append(int(edges[i]))
        above = int(into[i])
    return tuple(out), root


def _into_scope(snap: HeapSnapshot, edge: int) -> bool:
    """A function's link to the scope it closes over (internal `context`, written `.{context}`)."""
    return bool(snap.edge_type[edge] == snap.E_INTERNAL and snap.edge_name_text(edge) == "context")


METHOD_SCAN = 4096
"""An object with more edges than this keeps whichever method the shortest path took."""


def _one_method(snap: HeapSnapshot, edges: tuple[int, ...]) -> tuple[int, ...]:
    """The path with each step into a scope shared by several methods of one object taken
    through the method of the smallest name: `jobs.error.{context}.cache`, not `jobs.kill...`
    in one run and `jobs.error...` in the next (V8 lists a dictionary object's properties in
    hash order, seeded per process, and the shortest path takes the first one it meets)."""
    out = list(edges)
    for j in range(1, len(out)):
        into, scope = out[j - 1], out[j]
        if not _into_scope(snap, scope) or snap.edge_type[into] != snap.E_PROPERTY:
            continue
        owner = snap.edge_source(into)
        around = snap.edges(owner)
        if len(around) > METHOD_SCAN:
            continue
        context = int(snap.edge_to[scope])
        best = (snap.edge_name_text(into), into, scope)
        for e in around:
            f = int(snap.edge_to[e])
            if (e == into or snap.edge_type[e] != snap.E_PROPERTY
                    or snap.node_type[f] != snap.T_CLOSURE):
                continue
            for c in snap.edges(f):
                if snap.edge_to[c] == context and _into_scope(snap, c):
                    best = min(best, (snap.edge_name_text(e), e, c))
                    break
        out[j - 1], out[j] = best[1], best[2]
    return tuple(out)


def root_name(snap: HeapSnapshot, path: RootPath) -> str:
    """How the path starts: `global` for the global object, else the root's name."""
    if path.root < 0:
        return ""
    name = snap.class_name(path.root) if path.user else snap.raw_name(path.root)
    if path.user and "global" in name.lower():
        return "global"
    return name if name.startswith("(") else f"({name})"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _edge_step(snap: HeapSnapshot, edge: int) -> Step:
    raw = snap.edge_name_text(edge)
    name = _cut(raw, NAME_WIDTH)
    kind = snap.edge_type_name(edge)
    if kind in ("element", "hidden"):
        return Step(f"[{name}]", (raw,))
    if kind in ("property", "shortcut", "context"):
        return Step(f".{name}" if _IDENTIFIER.match(name) else f'["{name}"]', (raw,))
    if _EPHEMERON.search(raw):
        return Step(".{WeakMap value}", (raw,))
    return Step(f".{{{name}}}", (raw,))  # internal: V8's own link, e.g. a closure's {context}


def _map_key(snap: HeapSnapshot, table: int, slot: str) -> str | None:
    """The key stored before ``slot`` in a Map's hash table, written as code: a string
    quoted, a heap number as it is, an object as `Class @id`; None when there is no such
    slot (a small integer key is not a heap object and leaves no edge)."""
    if not slot.isdigit() or int(slot) == 0:
        return None
    before = str(int(slot) - 1)
    for e in snap.edges(table):
        if snap.edge_name_text(e) != before:
            continue
        key = int(snap.edge_to[e])
        t = int(snap.node_type[key])
        if t in (snap.T_STRING, snap.T_CONS, snap.T_SLICED):
            return repr(_cut(snap.name(key), KEY_WIDTH))
        if snap.type_name(key) in ("number", "heap number"):
            return snap.name(key)
        return f"{snap.class_name(key)} @{int(snap.node_id[key])}"
    return None


def path_steps(snap: HeapSnapshot, path: RootPath) -> list[Step]:
    """The steps of ``path`` as written (see the module's table)."""
    from leaktui.snapshot.scripts import script_names

    edges = path.edges
    steps: list[Step] = []
    i = 0
    while i < len(edges):
        e = edges[i]
        name = snap.edge_name_text(e)
        if (name == "table" and i + 1 < len(edges)
                and snap.class_name(snap.edge_source(e)) == "Map"):
            slot = snap.edge_name_text(edges[i + 1])
            key = _map_key(snap, int(snap.edge_to[e]), slot)
            if key is not None:
                steps.append(Step(f".get({key})", (name, slot)))
                i += 2
                continue
        if (name == "elements" and i + 1 < len(edges)
                and snap.edge_type_name(e) == "internal"):  # an array's backing store
            slot = snap.edge_name_text(edges[i + 1])
            steps.append(Step(f"[{_cut(slot, NAME_WIDTH)}]", (name, slot)))
            i += 2
            continue
        step = _edge_step(snap, e)
        if _into_scope(snap, e):
            loc = snap.location(snap.edge_source(e))
            if loc is not None and script_names(snap).get(loc.script_id, "").startswith("node:"):
                step = Step(step.text, step.names, node_scope=True)
        steps.append(step)
        i += 1
    return _accessor_global(steps)


def _accessor_global(steps: list[Step]) -> list[Step]:
    """`set process.{context}._process` -> `.process`: a global defined by an accessor."""
    if (len(steps) >= 3 and steps[0].name.startswith(("get ", "set "))
            and steps[1].name == "context" and _IDENTIFIER.match(steps[0].name[4:])):
        name = steps[0].name[4:]
        return [Step(f".{name}", (name,)), *steps[3:]]
    return steps


MIN_RUN = 4
"""Steps of one name in a row collapsed to one (`.next×4`); shorter runs are written out."""


def compact(steps: list[Step]) -> list[Step]:
    """Runs of one step (a linked list's `.next.next...`) as one step, `.next×40`."""
    out: list[Step] = []
    i = 0
    while i < len(steps):
        j = i
        while j + 1 < len(steps) and steps[j + 1] == steps[i]:
            j += 1
        n = j - i + 1
        s = steps[i]
        if n < MIN_RUN:
            out.extend(steps[i:j + 1])
        else:
            names = (f"{s.name}×{n}",) if len(s.names) == 1 else s.names * n
            out.append(Step(f"{s.text}×{n}", names, s.node_scope))
        i = j + 1
    return out


def write_path(root: str, steps: list[Step]) -> str:
    """``root`` and the steps as one string, the middle elided past `PATH_STEPS_SHOWN`."""
    steps = compact(steps)
    texts = [s.text for s in steps]
    if len(texts) > PATH_STEPS_SHOWN:
        keep = PATH_STEPS_SHOWN // 2
        texts = texts[:keep] + [f"…{len(texts) - 2 * keep} more…"] + texts[-keep:]
    return root + "".join(texts)


def path_text(snap: HeapSnapshot, node: int) -> str:
    """THE way an object's place is written: `global.cache.get('users')[3]`, or `NO_PATH`."""
    path = root_path(snap, node)
    if path.root < 0:
        return NO_PATH
    return write_path(root_name(snap, path), path_steps(snap, path))


def label_steps(snap: HeapSnapshot, node: int) -> list[Step]:
    """The steps a title names an object by: after the last step into the scope of one of
    Node's own functions, runs compacted; a path through a timer's callback to its receiver
    (`timerListMap[900000]._idlePrev._onTimeout.{context}.this.current`) starts at the
    receiver, named by its class (`MemoryStore.current`), and so does a path through a bound
    function to its receiver when that is an instance of a named class."""
    path = root_path(snap, node)
    steps = compact(path_steps(snap, path))
    cut = max((i for i, s in enumerate(steps) if s.node_scope), default=-1)
    for receiver, name in (_timer_receiver(snap, path.edges), "this"), (
            _bound_receiver(snap, path.edges), "bound_this"):
        if receiver is None:
            continue
        at = max((i for i, s in enumerate(steps) if s.names == (name,)), default=-1)
        if at > cut:
            return [Step(f".{snap.class_name(receiver)}", (name,)), *steps[at + 1:]]
    return steps[cut + 1:]


def _timer_receiver(snap: HeapSnapshot, edges: tuple[int, ...]) -> int | None:
    """The object a timer's callback has as `this`, when the path runs through a Timeout's
    `_onTimeout` into that callback's scope and on through `this`."""
    names = [snap.edge_name_text(e) for e in edges]
    if "_onTimeout" not in names:
        return None
    start = names.index("_onTimeout")
    for i in range(len(names) - 1, start, -1):
        if names[i] == "this" and snap.edge_type_name(edges[i]) == "context":
            return int(snap.edge_to[edges[i]])
    return None


def _bound_receiver(snap: HeapSnapshot, edges: tuple[int, ...]) -> int | None:
    """The object a bound function has as `this` (the last `{bound_this}` on the path), when
    it is an instance of a named class: `app.routes[2].handle.{bound_this}.current` is written
    `MemoryStore.current`; a plain object's fields keep the path."""
    for e in reversed(edges):
        if snap.edge_name_text(e) == "bound_this" and snap.edge_type_name(e) == "internal":
            node = int(snap.edge_to[e])
            name = snap.class_name(node)
            named = snap.type_name(node) == "object" and _IDENTIFIER.match(name)
            return node if named and name != "Object" else None
    return None


def path_label(snap: HeapSnapshot, node: int, keep: int = LABEL_STEPS) -> str:
    """`path_text` shortened for titles: `services.profiles.userCache`,
    `pricing.quote.{context}.cache`; past ``keep`` + 2 steps the first two (the user's own
    names) and the last ``keep``: `db.pool…_waitingClientsQueue._slots[0]._list` (a Map's
    `.get(key)` counts with the step before it); "" when no step names the object."""
    steps = label_steps(snap, node)
    if not steps:
        return ""
    words: list[str] = []
    for s in steps:  # `.get(k)` and `[i]` stay with the word before them
        if words and s.text[:1] != "." or words and s.text.startswith(".get("):
            words[-1] += s.text
        else:
            words.append(s.text)
    if len(words) <= keep + LABEL_HEAD:
        return "".join(words).removeprefix(".")
    # The user's own first names stay: `db.pool…_slots[0]._list`, not `…_slots[0]._list`.
    head = "".join(words[:LABEL_HEAD]).removeprefix(".")
    return head + "…" + "".join(words[-keep:]).removeprefix(".")


def path_names(snap: HeapSnapshot, node: int) -> list[str]:
    """DevTools' edge names along the path (`["cache", "table", "8"]`, runs compacted as
    `next×40`, a global's accessor as the global), with the root's name first for a path from
    a system root: the lists the JSON reports store beside `path_text`."""
    path = root_path(snap, node)
    names = [n for s in compact(path_steps(snap, path)) for n in s.names]
    if not path.user and path.root >= 0:
        names.insert(0, snap.raw_name(path.root))
    return names

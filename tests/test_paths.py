"""One path, one string: every place that names an object by where it lives prints the same
`paths.path_text` for it (the object pane, `y`'s Markdown finding, pins and the Findings view,
a suspect's holder and title, the report as JSON, text and Markdown). Table-driven over the
ways a path can reach an object, on a real snapshot of tests/programs/paths.js."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import msgspec
import numpy as np
import pytest
from conftest import node_binary, write_series
from order_support import reversed_layout

from leaktui.pins import finding_markdown, pins_markdown
from leaktui.report import build_report, render_text
from leaktui.snapshot import BASE_SYSTEM_DISTANCE, HeapSnapshot, load_snapshot
from leaktui.snapshot.paths import (
    NO_PATH,
    has_user_distance,
    path_label,
    path_names,
    path_text,
    shown_distance,
    user_distance,
)
from leaktui.suspects import format_suspect_text
from leaktui.suspects.base import Series, holder_label, make_suspect, object_label
from leaktui.tui.pinning import make_pin
from leaktui.tui.widgets.object import object_summary
from leaktui.tui.widgets.suspects import suspect_details

# class in paths.js -> how its first instance's place is written (the renderer's contract)
CASES = {
    "ProfileEntry": "global.services.profiles.userCache.get('user-0')",  # a Map entry by its key
    "QueueItem": "global.jobs.queue[0]",  # an array element
    "ChainLeaf": 'global.config["x-tenant"].settings.leaf',  # a property chain
    "Captured": "global.pricing.quote.{context}.cache",  # a closure's captured variable
    "WeakValue": "global.sessionKey.{WeakMap value}",  # a WeakMap value, through its key
}


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory) -> HeapSnapshot:
    [path] = write_series("paths.js", tmp_path_factory.mktemp("paths"))
    return load_snapshot(str(path))


def first_of(snap: HeapSnapshot, class_name: str) -> int:
    """The lowest-id instance of a class of paths.js (the first one the program made)."""
    ids = [i for i, name in enumerate(snap.class_names) if name == class_name]
    nodes = np.flatnonzero(np.isin(snap.class_id, ids) & (snap.self_size > 0))
    assert nodes.size, f"no {class_name} in the snapshot"
    return int(nodes[np.argmin(snap.node_id[nodes])])


@pytest.mark.parametrize("class_name", list(CASES))
def test_every_consumer_prints_the_one_path_of_an_object(snap: HeapSnapshot,
                                                         class_name: str) -> None:
    node = first_of(snap, class_name)
    expected = CASES[class_name]
    assert path_text(snap, node) == expected
    # the object pane
    assert f"path: {expected}" in object_summary(snap, node).plain
    # `y`: the Markdown finding it copies
    assert f"`{expected}`" in finding_markdown(snap, node)
    # a pin, as the Findings view and the pins' Markdown show it
    pin = make_pin(snap, node, "note")
    assert pin.shown_path() == expected
    assert f"via `{expected}`" in pins_markdown([pin])
    # a suspect whose holder it is: the TUI's details, text and Markdown, and its title's label
    series = Series([snap])
    suspect = make_suspect(series, "unbounded-cache", "high", holder_label(series, node), node,
                           "x", [1], 0, [], "advice")
    assert f"via {expected}\n" in suspect_details(suspect).plain
    assert any(line.endswith(f"via {expected}") for line in format_suspect_text(suspect))
    assert any(line.endswith(f"via `{expected}`")
               for line in format_suspect_text(suspect, markdown=True))
    label = path_label(snap, node)
    head, cut, tail = label.rpartition("…")
    assert expected.endswith(tail) and head in expected, (label, expected)
    assert suspect.title == f"{snap.class_name(node)} {label}"
    assert object_label(series, node).startswith(label)
    # the report: JSON, text and Markdown
    report = build_report([snap], suspects=[suspect.to_json()], find=class_name)
    report["pins"] = [msgspec.to_builtins(pin)]
    report = json.loads(json.dumps(report))
    assert report["suspects"][0]["holder"]["path_text"] == expected
    found = {r["id"]: r["path_text"] for r in report["found"]}
    assert found[int(snap.node_id[node])] == expected
    for markdown in (False, True):
        text = render_text(report, markdown=markdown)
        shown = f"`{expected}`" if markdown else expected
        assert f"holder: {snap.class_name(node)} @{int(snap.node_id[node])} via {shown}" in text
        assert f"via `{expected}`" in text  # the pinned findings section
    assert f"via {expected}" in render_text(report)  # the found objects (--find)


def test_a_map_entry_is_written_by_its_key_and_the_json_keeps_devtools_edge_names(
        snap: HeapSnapshot) -> None:
    node = first_of(snap, "ProfileEntry")
    names = path_names(snap, node)
    assert names[:4] == ["services", "profiles", "userCache", "table"]
    assert names[4] == snap.path_names(node)[4]  # the slot of the Map's hash table


def snapshot_of(tmp_path: Path, name: str, program: str) -> HeapSnapshot:
    """The snapshot a few lines of JavaScript leave (gc first)."""
    script = tmp_path / f"{name}.js"
    script.write_text(program + "global.gc(); require('v8').writeHeapSnapshot(require('path')"
                      f".join({str(tmp_path)!r}, '{name}.heapsnapshot'));")
    subprocess.run([node_binary(), "--expose-gc", str(script)], check=True, timeout=60)
    return load_snapshot(str(tmp_path / f"{name}.heapsnapshot"))


def held_by(snap: HeapSnapshot, class_name: str, edge: str) -> int:
    """The instance of ``class_name`` whose path from a root ends in ``edge``."""
    return next(int(n) for n in snap.instances(snap.class_names.index(class_name))
                if snap.path_names(int(n))[-1:] == [edge])


def test_a_long_path_keeps_its_first_and_last_steps(tmp_path: Path) -> None:
    snap = snapshot_of(tmp_path, "deep", "let p = global.deep = {};"
                       "for (const k of 'abcdefghijklmnopqrst') { p[k] = {}; p = p[k]; }"
                       "p.end = new Set();")
    end = held_by(snap, "Set", "end")
    assert path_text(snap, end) == "global.deep.a.b.c.d.e.f…8 more….o.p.q.r.s.t.end"
    assert path_label(snap, end) == "deep.a…r.s.t.end"


def test_user_distance_is_none_without_a_path_from_a_user_root(snap: HeapSnapshot) -> None:
    node = first_of(snap, "QueueItem")
    d = user_distance(snap, node)
    assert d is not None and d == int(snap.distance[node]) and has_user_distance(snap, node)
    system = np.flatnonzero((snap.distance < 0) | (snap.distance >= BASE_SYSTEM_DISTANCE))
    assert system.size
    assert user_distance(snap, int(system[0])) is None
    assert shown_distance(-1) is None
    assert path_text(snap, snap.root) == NO_PATH
    holder = snap.edge_source(snap.path_to_root(node)[0])  # the global object
    assert path_text(snap, holder) == "global" and path_names(snap, holder) == []


def test_a_title_names_a_bound_functions_receiver_by_its_class_and_a_plain_one_by_its_path(
        tmp_path: Path) -> None:
    # express-rate-limit keeps `store.increment.bind(store)` in the app's routes: its store's
    # Map of hits reads `MemoryStore.current`, not `web.app…handle.getKey.{bound_this}.current`.
    # A plain object bound as `this` has no class to name it: its path stays.
    snap = snapshot_of(
        tmp_path, "bound",
        "class MemoryStore { constructor() { this.current = new Map(); } hit() {} }"
        "const store = new MemoryStore(); const plain = { hits: new Set() };"
        "global.web = { app: { router: { stack: [{ route: { handle: {"
        "  getKey: store.hit.bind(store), other: function () {}.bind(plain) } } }] } } };")
    current, hits = held_by(snap, "Map", "current"), held_by(snap, "Set", "hits")
    assert "{bound_this}" in path_text(snap, current)  # the full path is unchanged
    assert path_label(snap, current) == "MemoryStore.current"
    assert path_label(snap, hits).endswith("other.{bound_this}.hits")


def test_a_scope_shared_by_several_methods_is_reached_through_the_first_by_name(
        tmp_path: Path) -> None:
    # fastq's queue object: its methods close over one scope, and the shortest path took
    # whichever V8 listed first (hash order for a dictionary object, seeded per process), so
    # one title read `jobs.kill.{context}.cache` in one run, `jobs.error...` in the next.
    # Here V8's own shortest path takes the one added last (`zeta`): the path takes `error`.
    snap = snapshot_of(
        tmp_path, "methods",
        "function makeQueue() { const cache = new Set(); const self = {};"
        "  self.error = () => cache; self.kill = () => cache; self.zeta = () => cache;"
        "  return self; }"
        "global.jobs = makeQueue();")
    cache = held_by(snap, "Set", "cache")
    assert path_text(snap, cache) == "global.jobs.error.{context}.cache"
    assert path_label(snap, cache) == "jobs.error.{context}.cache"


def test_a_path_tied_between_a_property_and_a_closure_variable_takes_the_property_in_either_layout(
        tmp_path: Path) -> None:
    # moize: the memoized function has its cache as a property (`lookup.cache.keys`) and the
    # same array in its scope (`lookup.{context}.keys`), two paths of one length. DevTools'
    # takes the retainer V8 lists first, which follows the heap's layout: one title read
    # `geo.lookup.{context}.keys` in one run, `geo.lookup.cache.keys` in the next.
    snap = snapshot_of(
        tmp_path, "memo",
        "function memo() { const keys = []; const fn = () => keys.length;"
        "  fn.cache = { keys }; return fn; }"
        "global.geo = { lookup: memo() };")
    other = load_snapshot(str(reversed_layout(tmp_path / "memo.heapsnapshot",
                                              tmp_path / "reversed.heapsnapshot")))
    devtools = []
    for s in (snap, other):
        keys = held_by(s, "Array", "keys")
        assert path_text(s, keys) == "global.geo.lookup.cache.keys"
        assert path_names(s, keys) == ["geo", "lookup", "cache", "keys"]
        assert path_label(s, keys) == "geo.lookup.cache.keys"
        devtools.append(s.path_names(keys))
    # DevTools' own path (the Retainers view's) still follows each layout: the two differ.
    assert sorted(devtools) == [["geo", "lookup", "cache", "keys"],
                                ["geo", "lookup", "context", "keys"]]

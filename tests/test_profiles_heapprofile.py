"""Sampling heap profiles written by real Node processes: the leaking function is the top
site at its own line; sites, totals and the top-down tree agree with plain walks of the tree;
deep and large trees load; every kind of broken file is one clear SnapshotError."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import numpy as np
import pytest
from profiles_support import (
    LEAK_CJS,
    LEAK_ESM,
    chain_profile,
    heap_prof,
    line_of,
    random_profile,
    reference_sites,
    site_key,
)

from leaktui.errors import SnapshotError
from leaktui.profiles.heapprofile import HeapProfile, is_heap_profile, load_profile


@pytest.fixture(scope="module")
def cjs_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return heap_prof(LEAK_CJS, tmp_path_factory.mktemp("cjs"))


@pytest.fixture(scope="module")
def esm_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return heap_prof(LEAK_ESM, tmp_path_factory.mktemp("esm"))


@pytest.mark.parametrize(("which", "program", "script"), [
    ("cjs_profile", LEAK_CJS, str(LEAK_CJS)),
    ("esm_profile", LEAK_ESM, LEAK_ESM.as_uri()),
])
def test_leaking_function_is_the_top_site_at_its_line(
        request: pytest.FixtureRequest, which: str, program: Path, script: str) -> None:
    profile = load_profile(str(request.getfixturevalue(which)))
    top = profile.sites()[0]
    line, text = line_of(program, "function retainRequest")
    assert (top.function, top.script, top.line) == ("retainRequest", script, line)
    # V8 places a function at its parameter list; the file's 0-based column, made 1-based.
    assert top.column == text.index("(") + 1
    assert top.self_size > 0.5 * profile.total


def test_garbage_collected_allocations_leave_no_site(cjs_profile: Path) -> None:
    sites = load_profile(str(cjs_profile)).sites()
    leak = sites[0].self_size
    churn = sum(s.self_size for s in sites if s.function == "churn")
    assert churn < leak / 100  # it allocated as much, and all of it was collected


def test_builtins_are_charged_to_the_function_that_called_them(cjs_profile: Path) -> None:
    profile = load_profile(str(cjs_profile))
    raw = profile.sites(fold_native=False)
    assert raw[0].frame.native  # unfolded, `repeat` or `push` holds the bytes
    folded = {s.function: s for s in profile.sites()}
    leak_rows = np.flatnonzero([profile.frames[r][0] == "retainRequest"
                                for r in range(profile.node_count)])
    under = np.zeros(profile.node_count, dtype=bool)
    for row in leak_rows.tolist():  # the builtins called (directly or not) by retainRequest
        for child in profile.children(row).tolist():
            under[child] = bool(profile.native[child])
    assert under.any()
    expected = int(profile.self_size[leak_rows].sum()) + _native_descendants(profile, under)
    assert folded["retainRequest"].self_size == expected


def _native_descendants(profile: HeapProfile, start: np.ndarray) -> int:
    """Bytes of the builtin nodes reachable from ``start`` through builtins only."""
    total, todo = 0, np.flatnonzero(start).tolist()
    while todo:
        row = todo.pop()
        total += int(profile.self_size[row])
        todo.extend(c for c in profile.children(row).tolist() if profile.native[c])
    return total


@pytest.mark.parametrize("fold", [True, False])
def test_sites_match_a_walk_of_every_path_in_a_real_profile(cjs_profile: Path,
                                                            fold: bool) -> None:
    doc = json.loads(cjs_profile.read_bytes())
    got = {site_key(s): (s.self_size, s.total_size)
           for s in load_profile(str(cjs_profile)).sites(fold_native=fold)}
    assert got == reference_sites(doc, fold_native=fold)


@pytest.mark.parametrize("seed", range(6))
def test_sites_match_a_walk_of_every_path_in_random_trees(tmp_path: Path, seed: int) -> None:
    doc = random_profile(600, seed)
    path = tmp_path / "random.heapprofile"
    path.write_text(json.dumps(doc))
    profile = load_profile(str(path))
    for fold in (True, False):
        got = {site_key(s): (s.self_size, s.total_size) for s in profile.sites(fold)}
        assert got == reference_sites(doc, fold_native=fold)
    sites = profile.sites()
    assert [s.self_size for s in sites] == sorted((s.self_size for s in sites), reverse=True)


def test_top_down_tree_adds_up_and_lists_the_largest_child_first(cjs_profile: Path) -> None:
    p = load_profile(str(cjs_profile))
    assert p.total == int(p.self_size.sum()) == int(p.total_size[0])
    child_sums = np.zeros(p.node_count, dtype=np.int64)
    np.add.at(child_sums, p.parent[1:], p.total_size[1:])
    assert np.array_equal(p.total_size, p.self_size + child_sums)
    for row in range(p.node_count):
        kids = p.children(row)
        assert kids.size == p.child_count(row)
        assert np.all(p.parent[kids] == row)
        assert list(p.total_size[kids]) == sorted(p.total_size[kids], reverse=True)


def test_a_node_stack_runs_from_the_allocating_function_to_the_module(cjs_profile: Path
                                                                     ) -> None:
    p = load_profile(str(cjs_profile))
    row = int(np.argmax(np.where(p.native, 0, p.self_size)))
    stack = p.stack(row)
    assert stack[0].function == "retainRequest"
    assert any(f.script == str(LEAK_CJS) and f.line == 1 for f in stack[1:])  # the module


def test_natural_exit_profile_keeps_the_function_but_not_as_a_builtin(tmp_path: Path) -> None:
    # Node 20 writes url "" and line -1 for CommonJS code when the event loop runs dry.
    profile = load_profile(str(heap_prof(LEAK_CJS, tmp_path, "natural")))
    top = profile.sites()[0]
    assert top.function == "retainRequest"
    assert top.script in ("", str(LEAK_CJS))
    assert not top.frame.native and top.frame.script_id > 0
    if not top.script:
        assert f"(script {top.frame.script_id})" in top.label


def test_gzipped_and_inspector_wrapped_profiles_read_the_same(cjs_profile: Path,
                                                              tmp_path: Path) -> None:
    plain = cjs_profile.read_bytes()
    gz = tmp_path / "p.heapprofile.gz"
    gz.write_bytes(gzip.compress(plain))
    wrapped = tmp_path / "stopSampling.json"
    wrapped.write_bytes(b'{\n  "profile": ' + plain + b"}")
    expected = load_profile(str(cjs_profile)).sites()
    for path in (gz, wrapped):
        assert is_heap_profile(str(path))
        assert load_profile(str(path)).sites() == expected


def test_snapshots_and_other_json_are_not_taken_for_profiles(tmp_path: Path) -> None:
    snap = tmp_path / "x.heapsnapshot"
    snap.write_text('{"snapshot": {"meta": {}}}')
    other = tmp_path / "x.json"
    other.write_text('{"heads": 1}')
    assert not is_heap_profile(str(snap)) and not is_heap_profile(str(other))
    assert not is_heap_profile(str(tmp_path / "missing.json"))


def test_samples_naming_nodes_the_tree_lacks_are_counted_not_fatal(tmp_path: Path) -> None:
    # Real Node profiles do this: the samples are collected a moment after the tree.
    doc = random_profile(50, seed=1)
    missing = max(s["nodeId"] for s in doc["samples"]) + 1000
    doc["samples"].append({"size": 4096, "nodeId": missing, "ordinal": 99})
    path = tmp_path / "dangling.heapprofile"
    path.write_text(json.dumps(doc))
    profile = load_profile(str(path))
    assert (profile.dangling_samples, profile.dangling_sample_size) == (1, 4096)
    assert profile.sample_count == len(doc["samples"])


def test_a_call_tree_deeper_than_the_recursion_limit_loads(tmp_path: Path) -> None:
    depth = 20_000
    path = tmp_path / "deep.heapprofile"
    path.write_bytes(chain_profile(depth))
    profile = load_profile(str(path))
    assert profile.node_count == depth + 1 and profile.depth == depth
    (site,) = profile.sites()
    assert site.self_size == site.total_size == profile.total  # recursion counted once
    assert len(profile.stack(depth)) == depth


def test_a_profile_ten_times_larger_takes_about_ten_times_longer(tmp_path: Path) -> None:
    """Linear, not quadratic: a ratio of runs made side by side (the best of three each,
    alternating, so the machine's load weighs on both), never an absolute time. Quadratic
    work would make it 100."""
    paths = {}
    for count in (20_000, 200_000):
        paths[count] = tmp_path / f"{count}.heapprofile"
        paths[count].write_text(json.dumps(random_profile(count, seed=7, functions=400,
                                                          window=None)))
    best = {count: float("inf") for count in paths}
    for _ in range(3):
        for count, path in paths.items():
            started = time.perf_counter()
            profile = load_profile(str(path))
            profile.sites()
            best[count] = min(best[count], time.perf_counter() - started)
            assert profile.node_count == count
    assert best[200_000] / best[20_000] < 35, best


GOOD_FRAME = (b'{"functionName": "f", "scriptId": "1", "url": "", "lineNumber": 0, '
              b'"columnNumber": 0}')


def _node(frame: bytes = GOOD_FRAME, self_size: bytes = b"1", node_id: bytes = b"1",
          children: bytes = b"[]") -> bytes:
    return (b'{"callFrame": ' + frame + b', "selfSize": ' + self_size + b', "id": ' + node_id
            + b', "children": ' + children + b"}")


MALFORMED = {  # case: (content, what the problem names)
    "empty": (b"", "empty file"),
    "blank": (b"  \n", "empty file"),
    "not json": (b"hello", "not valid JSON"),
    "an array": (b"[1, 2]", "Expected `object`, got `array`"),
    "no head": (b'{"samples": []}', "`head`"),
    "truncated": (b'{"head": ' + _node()[:40], "truncated"),
    "frame without url": (b'{"head": ' + _node(frame=b'{"functionName": "f", "scriptId": "1", '
                                                      b'"lineNumber": 0, "columnNumber": 0}')
                          + b"}", "`url`"),
    "size as text": (b'{"head": ' + _node(self_size=b'"12"') + b"}", "head.selfSize"),
    "negative size": (b'{"head": ' + _node(self_size=b"-5") + b"}", ">= 0 - at `$.head.selfSize"),
    "line below -1": (b'{"head": ' + _node(frame=GOOD_FRAME.replace(b'"lineNumber": 0',
                                                                    b'"lineNumber": -3'))
                      + b"}", "lineNumber"),
    "children not a list": (b'{"head": ' + _node(children=b"{}") + b"}", "head.children"),
    "duplicate ids": (b'{"head": ' + _node(children=b"[" + _node() + b"]") + b"}",
                      "same id 1"),
    "negative sample": (b'{"head": ' + _node() + b', "samples": [{"size": -1, "nodeId": 1}]}',
                        "samples[0].size"),
    "sample without node": (b'{"head": ' + _node() + b', "samples": [{"size": 1}]}',
                            "`nodeId`"),
    "bytes that are not UTF-8": (b'{"head": ' + _node(frame=GOOD_FRAME.replace(
        b'"functionName": "', b'"functionName": "\xf5\xff')) + b"}", "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_profiles_are_one_clear_error(tmp_path: Path, case: str) -> None:
    content, named = MALFORMED[case]
    path = tmp_path / "bad.heapprofile"
    path.write_bytes(content)
    assert named in _assert_clear_error(path).problem


@pytest.mark.parametrize(("case", "named"), [("corrupt", "corrupt gzip"),
                                             ("truncated", "gzip data is truncated"),
                                             ("garbage inside", "not valid JSON")])
def test_broken_gzip_profiles_are_one_clear_error(cjs_profile: Path, tmp_path: Path,
                                                  case: str, named: str) -> None:
    data = gzip.compress(cjs_profile.read_bytes())
    if case == "corrupt":
        middle = len(data) // 2
        data = data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64]) \
            + data[middle + 64:]
    elif case == "truncated":
        data = data[: len(data) // 2]
    else:
        data = gzip.compress(b'{"head": {"callFrame": ')
    path = tmp_path / "bad.heapprofile.gz"
    path.write_bytes(data)
    assert named in _assert_clear_error(path).problem


def test_a_half_written_real_profile_is_one_clear_error(cjs_profile: Path,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "half.heapprofile"
    data = cjs_profile.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert "truncated" in _assert_clear_error(path).problem


def test_missing_files_and_directories_are_one_clear_error(tmp_path: Path) -> None:
    assert _assert_clear_error(tmp_path / "none.heapprofile").problem == "no such file"
    assert "directory" in _assert_clear_error(tmp_path).problem


def _assert_clear_error(path: Path) -> SnapshotError:
    with pytest.raises(SnapshotError) as info:
        load_profile(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}: ") and info.value.path == str(path)
    assert info.value.problem and "\n" not in message and len(message) < 500
    return info.value

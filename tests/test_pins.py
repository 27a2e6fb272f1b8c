"""Pinned findings: saved beside the snapshot and back on reopening, a corrupt pins file set
aside (never lost), a fallback place when the snapshot's folder is read-only, pins made on
another file flagged, and findings as chat-sized Markdown (one finding, and in the report)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import node_binary

from leaktui.pins import (
    PINS_SUFFIX,
    Pin,
    PinStore,
    finding_markdown,
    pins_markdown,
    snapshot_fingerprint,
)
from leaktui.snapshot import HeapSnapshot, load_snapshot
from leaktui.units import format_size

CACHE_PROGRAM = ("global.cache=new Map(); for(let i=0;i<100;i++) cache.set(i,{i}); global.gc(); "
                 "require('v8').writeHeapSnapshot(process.argv[1])")
OTHER_PROGRAM = ("global.list=[]; for(let i=0;i<3000;i++) list.push({i}); global.gc(); "
                 "require('v8').writeHeapSnapshot(process.argv[1])")


def write_snapshot(program: str, path: Path) -> Path:
    subprocess.run([node_binary(), "--expose-gc", "-e", program, str(path)], check=True,
                   timeout=60, capture_output=True)
    return path


@pytest.fixture(scope="module")
def cache_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_snapshot(CACHE_PROGRAM, tmp_path_factory.mktemp("pins") / "cache.heapsnapshot")


@pytest.fixture(scope="module")
def cache_snap(cache_snapshot: Path) -> HeapSnapshot:
    return load_snapshot(str(cache_snapshot))


@pytest.fixture
def snapshot_copy(cache_snapshot: Path, tmp_path: Path) -> Path:
    """A private copy: each test writes its own pins file beside it."""
    copy = tmp_path / "service.heapsnapshot"
    shutil.copy(cache_snapshot, copy)
    return copy


def cache_map(snap: HeapSnapshot) -> int:
    """The ordinal of `global.cache` (the Map the program filled), found by its path."""
    maps = [n for n in snap.instances(snap.class_names.index("Map"))
            if snap.path_names(int(n)) == ["cache"]]
    assert len(maps) == 1, "no global.cache Map in the snapshot"
    return int(maps[0])


def a_pin(node_id: int, note: str = "grows", **extra: object) -> Pin:
    return Pin(node_id=node_id, class_name="Map", note=note, retained_size=1234,
               path=["services", "profiles", "userCache"], created=time.time(),
               **extra)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- saving and loading
def test_pins_are_saved_beside_the_snapshot_and_come_back(snapshot_copy: Path) -> None:
    store = PinStore(str(snapshot_copy))
    assert store.pins == [] and store.message is None
    store.add(a_pin(7))
    store.add(a_pin(9, "second", kind="suspect", pattern="unbounded-cache", advice="bound it"))
    pins_file = Path(str(snapshot_copy) + PINS_SUFFIX)
    assert store.file == pins_file and pins_file.exists()
    assert json.loads(pins_file.read_text())["snapshot"] == str(snapshot_copy)

    again = PinStore(str(snapshot_copy))
    assert [(p.node_id, p.note, p.kind) for p in again.pins] == [
        (7, "grows", "object"), (9, "second", "suspect")]
    assert again.pins[1].pattern == "unbounded-cache" and again.pins[1].advice == "bound it"
    assert again.message is None and again.stale() == []
    assert again.remove(7) and not again.remove(7)
    assert [p.node_id for p in PinStore(str(snapshot_copy)).pins] == [9]


def test_a_pin_records_the_snapshot_it_was_made_on(snapshot_copy: Path,
                                                   cache_snap: HeapSnapshot) -> None:
    pin = PinStore(str(snapshot_copy)).add(a_pin(7))
    assert pin.snapshot == str(snapshot_copy)
    assert pin.file_size == snapshot_copy.stat().st_size
    assert (pin.node_count, pin.edge_count) == (cache_snap.node_count, cache_snap.edge_count)


def test_pinning_the_same_object_again_replaces_its_note(snapshot_copy: Path) -> None:
    store = PinStore(str(snapshot_copy))
    store.add(a_pin(7, "first look"))
    store.add(a_pin(7, "owned by checkout"))
    assert [(p.node_id, p.note) for p in PinStore(str(snapshot_copy)).pins] == [
        (7, "owned by checkout")]


def test_two_people_pinning_the_same_file_keep_both_pins(snapshot_copy: Path) -> None:
    mine, theirs = PinStore(str(snapshot_copy)), PinStore(str(snapshot_copy))
    mine.add(a_pin(1, "mine"))
    theirs.add(a_pin(2, "theirs"))  # loaded before mine was saved
    assert sorted(p.note for p in PinStore(str(snapshot_copy)).pins) == ["mine", "theirs"]


def test_saving_is_atomic_and_readable_by_whoever_reads_the_snapshot(
        snapshot_copy: Path) -> None:
    snapshot_copy.chmod(0o640)
    PinStore(str(snapshot_copy)).add(a_pin(1))
    pins_file = Path(str(snapshot_copy) + PINS_SUFFIX)
    assert stat.S_IMODE(pins_file.stat().st_mode) == 0o640
    leftovers = [p.name for p in snapshot_copy.parent.iterdir()
                 if p.name not in (snapshot_copy.name, pins_file.name)]
    assert leftovers == []  # no temporary file left behind


# ---------------------------------------------------------------------- broken files
@pytest.mark.parametrize("content", [b'{"snapshot": "x", "pins": [{"broken"',
                                     b'{"snapshot": "x", "pins": [{"node_id": "seven"}]}',
                                     b"\x00\xff not json", b""])
def test_a_corrupt_pins_file_is_set_aside_not_lost(snapshot_copy: Path, content: bytes) -> None:
    pins_file = Path(str(snapshot_copy) + PINS_SUFFIX)
    pins_file.write_bytes(content)
    store = PinStore(str(snapshot_copy))
    assert store.pins == []
    kept = list(snapshot_copy.parent.glob(f"{pins_file.name}.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == content
    assert store.message is not None
    assert "corrupt" in store.message and kept[0].name in store.message

    store.add(a_pin(3, "after the accident"))  # a fresh file; the corrupt one stays
    assert [p.note for p in PinStore(str(snapshot_copy)).pins] == ["after the accident"]
    assert kept[0].exists()


def test_a_second_corrupt_file_does_not_overwrite_the_first(snapshot_copy: Path) -> None:
    pins_file = Path(str(snapshot_copy) + PINS_SUFFIX)
    for content in (b"first {", b"second {"):
        pins_file.write_bytes(content)
        PinStore(str(snapshot_copy))
    kept = sorted(p.read_bytes() for p in snapshot_copy.parent.glob("*.corrupt-*"))
    assert kept == [b"first {", b"second {"]


def test_pins_made_on_another_snapshot_are_flagged(snapshot_copy: Path, tmp_path: Path) -> None:
    PinStore(str(snapshot_copy)).add(a_pin(7))
    write_snapshot(OTHER_PROGRAM, snapshot_copy)  # same name, another heap
    store = PinStore(str(snapshot_copy))
    fp = snapshot_fingerprint(str(snapshot_copy))
    assert fp is not None and store.fingerprint == fp
    assert [p.node_id for p in store.stale()] == [7]
    assert store.message is not None and "another snapshot" in store.message
    assert f"{fp.node_count:,} now" in store.message


def test_the_fingerprint_reads_gzipped_snapshots(cache_snapshot: Path, tmp_path: Path,
                                                 cache_snap: HeapSnapshot) -> None:
    import gzip

    gz = tmp_path / "cache.heapsnapshot.gz"
    gz.write_bytes(gzip.compress(cache_snapshot.read_bytes()))
    fp = snapshot_fingerprint(str(gz))
    assert fp is not None
    assert (fp.file_size, fp.node_count, fp.edge_count) == (
        gz.stat().st_size, cache_snap.node_count, cache_snap.edge_count)
    assert snapshot_fingerprint(str(tmp_path / "missing")) is None


# ---------------------------------------------------------------------- read-only folders
READ_ONLY_SCRIPT = """
import sys, time
from leaktui.pins import Pin, PinStore
store = PinStore(sys.argv[1])
print("MESSAGE", store.message)
print("COLLEAGUE", [p.note for p in store.pins])
store.add(Pin(node_id=5, class_name="Map", note="mine", retained_size=1, path=[],
              created=time.time()))
again = PinStore(sys.argv[1])
print("FILE", again.file)
print("AGAIN", sorted(p.note for p in again.pins))
"""


def run_in_read_only_folder(folder: Path, snapshot: Path, state: Path) -> str:
    """Run READ_ONLY_SCRIPT with `folder` bind-mounted read-only (a user and mount
    namespace, so root too meets a folder it cannot write); skips when those are missing."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare (util-linux) is needed to make a read-only folder for root")
    script = ('mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" || exit 99; '
              'exec "$@"')
    res = subprocess.run([unshare, "--user", "--map-root-user", "--mount", "sh", "-c", script,
                          str(folder), sys.executable, "-c", READ_ONLY_SCRIPT, str(snapshot)],
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "XDG_STATE_HOME": str(state)})
    if res.returncode == 99 or "unshare failed" in res.stderr:
        pytest.skip(f"user namespaces cannot mount here: {res.stderr.strip()[:200]}")
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_a_read_only_folder_keeps_pins_in_the_state_directory(
        snapshot_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    colleague = PinStore(str(snapshot_copy))
    colleague.add(a_pin(1, "colleague's"))  # written while the folder was writable
    state = tmp_path_factory.mktemp("state")  # outside the folder made read-only
    out = run_in_read_only_folder(snapshot_copy.parent, snapshot_copy, state)
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert "not writable" in lines["MESSAGE"] and str(state) in lines["MESSAGE"]
    assert lines["COLLEAGUE"] == "[\"colleague's\"]"
    assert lines["FILE"].startswith(str(state / "leaktui" / "pins"))
    assert lines["AGAIN"] == "[\"colleague's\", 'mine']"
    beside = json.loads(Path(str(snapshot_copy) + PINS_SUFFIX).read_text())
    assert [p["note"] for p in beside["pins"]] == ["colleague's"]  # left untouched


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into mode 0500 folders")
def test_a_folder_without_write_permission_falls_back(
        snapshot_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    snapshot_copy.parent.chmod(0o500)
    try:
        store = PinStore(str(snapshot_copy))
        store.add(a_pin(1))
        assert str(store.file).startswith(str(tmp_path / "state"))
        assert store.message is not None and "not writable" in store.message
        assert PinStore(str(snapshot_copy)).pins[0].node_id == 1
    finally:
        snapshot_copy.parent.chmod(0o700)


# ---------------------------------------------------------------------- Markdown
def test_a_finding_is_chat_sized_markdown_summary_first(cache_snap: HeapSnapshot) -> None:
    node = cache_map(cache_snap)
    text = finding_markdown(cache_snap, node, note="grows per request",
                            suspect={"pattern": "unbounded-cache", "severity": "high",
                                     "title": "Map global.cache grows",
                                     "advice": "Bound the cache with an LRU."})
    lines = text.splitlines()
    node_id = int(cache_snap.node_id[node])
    retained = int(cache_snap.retained_size[node])
    assert lines[0].startswith(f"**Map @{node_id}** retains **{format_size(retained)}**")
    assert lines[0].endswith(": grows per request")
    assert "`global.cache`" in lines[2]
    assert f"| {retained:,} B | {int(cache_snap.self_size[node]):,} B |" in text
    assert f"| {int(cache_snap.distance[node])} |" in text
    assert "Suspect: **unbounded-cache** (high): Map global.cache grows" in text
    assert "Fix: Bound the cache with an LRU." in text
    assert len(text) < 2000 and len(lines) < 20


def test_a_finding_without_suspect_has_no_advice(cache_snap: HeapSnapshot) -> None:
    node = cache_map(cache_snap)
    entry = next(int(cache_snap.edge_to[e]) for e in cache_snap.edges(node)
                 if cache_snap.edge_name_text(e) == "table")
    text = finding_markdown(cache_snap, entry)
    assert text.splitlines()[0].startswith(f"**{cache_snap.class_name(entry)} @")
    assert "`global.cache.{table}`" in text  # V8's own link, written `.{name}` (paths.py)
    assert "Suspect" not in text and "Fix" not in text


def test_a_long_retainer_path_is_shortened_to_a_counted_run(tmp_path: Path) -> None:
    """A linked list's 40 `.next` steps read as one counted step (`paths.write_path`; the
    middle elision of a long path of distinct steps is tested in test_paths.py)."""
    program = ("(()=>{let o=global.chain={}; for(let i=0;i<40;i++){o.next={depth:i}; o=o.next;} "
               "o.leaf=new Array(500).fill(1);})(); global.gc(); "
               "require('v8').writeHeapSnapshot(process.argv[1])")
    snap = load_snapshot(str(write_snapshot(program, tmp_path / "chain.heapsnapshot")))
    arrays = snap.instances(snap.class_names.index("Array"))
    leaf = next(int(n) for n in arrays if snap.path_names(int(n))[-1:] == ["leaf"])
    assert len(snap.path_to_root(leaf)) == 42
    path_line = finding_markdown(snap, leaf).splitlines()[2]
    assert path_line == "`global.chain.next×40.leaf`"


def test_pins_as_markdown_list_one_line_each_with_the_fix() -> None:
    text = pins_markdown([a_pin(7, "owned by checkout"),
                          a_pin(9, "", kind="suspect", pattern="unbounded-cache",
                                advice="Bound it.")])
    assert text.splitlines() == [
        f"- **Map @7** ({format_size(1234)} retained) via `global.services.profiles.userCache`:"
        " owned by checkout",
        f"- **Map @9** (unbounded-cache suspect, {format_size(1234)} retained) via "
        "`global.services.profiles.userCache`",
        "  - fix: Bound it.",
    ]
    many = pins_markdown([a_pin(i) for i in range(40)])
    assert many.splitlines()[-1].startswith("- … and 25 more")


def test_the_markdown_report_lists_pinned_findings_first(snapshot_copy: Path,
                                                         cache_snap: HeapSnapshot) -> None:
    node = cache_map(cache_snap)
    PinStore(str(snapshot_copy)).add(Pin(
        node_id=int(cache_snap.node_id[node]), class_name="Map", note="owned by the cache",
        retained_size=int(cache_snap.retained_size[node]), path=cache_snap.path_names(node),
        created=time.time()))
    res = subprocess.run([sys.executable, "-m", "leaktui.cli", "report", "--format", "markdown",
                          str(snapshot_copy)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    heading = lines.index("## Pinned findings")
    assert heading < 5  # a short summary first, details after
    assert lines[heading + 1] == (
        f"- **Map @{int(cache_snap.node_id[node])}** "
        f"({format_size(int(cache_snap.retained_size[node]))} retained) via `global.cache`: "
        "owned by the cache")


def test_the_pins_module_imports_no_textual() -> None:
    code = ("import sys, leaktui.pins, leaktui.commands.serve\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0 and res.stdout.strip() == "[]", res.stdout + res.stderr

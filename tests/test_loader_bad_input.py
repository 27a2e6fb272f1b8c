"""Unusable input gets one clear error naming the file and the problem, never a traceback,
never a partial result."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from leaktui.errors import SnapshotError
from leaktui.snapshot import load_raw, load_snapshot

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini.heapsnapshot"


def mini_doc() -> dict:
    return json.loads(MINI.read_text())


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def expect_error(path: Path, *fragments: str) -> str:
    with pytest.raises(SnapshotError) as info:
        load_snapshot(str(path))
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    assert "\n" not in message
    return message


def test_empty_file_is_reported_as_empty(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "empty.heapsnapshot", b""), "empty")


@pytest.mark.parametrize("fraction", [0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99])
def test_truncated_file_is_rejected_at_every_cut_point(tmp_path: Path, fraction: float) -> None:
    data = MINI.read_bytes()
    cut = data[: int(len(data) * fraction)]
    expect_error(write(tmp_path, f"cut{fraction}.heapsnapshot", cut))


def test_truncated_gzip_file_is_rejected(tmp_path: Path) -> None:
    data = gzip.compress(MINI.read_bytes())
    expect_error(write(tmp_path, "cut.heapsnapshot.gz", data[: len(data) // 2]))


def test_text_that_is_not_json_is_rejected(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "notes.txt", "hello, this is not a snapshot\n"),
                 "not a heap snapshot")


def test_json_of_another_shape_is_rejected(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "package.json", json.dumps({"name": "x", "version": "1"})),
                 "snapshot")
    expect_error(write(tmp_path, "list.json", "[1, 2, 3]"), "not a heap snapshot")


def test_out_of_range_edge_target_is_rejected(tmp_path: Path) -> None:
    doc = mini_doc()
    doc["edges"][2] = 7 * 1000
    expect_error(write(tmp_path, "edge.heapsnapshot", json.dumps(doc)), "past the last node")


def test_edge_target_inside_a_node_is_rejected(tmp_path: Path) -> None:
    doc = mini_doc()
    doc["edges"][2] = 3
    expect_error(write(tmp_path, "edge.heapsnapshot", json.dumps(doc)), "inside a node")


def test_out_of_range_node_name_index_is_rejected(tmp_path: Path) -> None:
    doc = mini_doc()
    doc["nodes"][1] = 10_000
    expect_error(write(tmp_path, "name.heapsnapshot", json.dumps(doc)), "name index")


def test_out_of_range_edge_name_index_is_rejected(tmp_path: Path) -> None:
    doc = mini_doc()
    doc["edges"][1] = 10_000  # first edge is a shortcut edge: its name is a string index
    expect_error(write(tmp_path, "ename.heapsnapshot", json.dumps(doc)), "name index")


def test_more_edge_types_than_a_byte_leaves_room_for_is_rejected(tmp_path: Path) -> None:
    doc = mini_doc()
    meta = doc["snapshot"]["meta"]
    types = meta["edge_types"][meta["edge_fields"].index("type")]
    types.extend(f"extra{i}" for i in range(127 - len(types)))
    expect_error(write(tmp_path, "types.heapsnapshot", json.dumps(doc)), "meta.edge_types",
                 "126")


def test_node_count_mismatch_is_rejected(tmp_path: Path) -> None:
    doc = mini_doc()
    doc["snapshot"]["node_count"] += 1
    expect_error(write(tmp_path, "count.heapsnapshot", json.dumps(doc)), "nodes")


def test_edge_count_mismatch_is_rejected(tmp_path: Path) -> None:
    doc = mini_doc()
    doc["snapshot"]["edge_count"] -= 1
    expect_error(write(tmp_path, "ecount.heapsnapshot", json.dumps(doc)), "edges")


def test_edge_counts_not_adding_up_is_rejected(tmp_path: Path) -> None:
    doc = mini_doc()
    doc["nodes"][4] += 1  # root's edge_count
    expect_error(write(tmp_path, "sum.heapsnapshot", json.dumps(doc)), "add up")


def test_negative_number_is_rejected(tmp_path: Path) -> None:
    doc = mini_doc()
    doc["nodes"][3] = -8
    expect_error(write(tmp_path, "neg.heapsnapshot", json.dumps(doc)), "negative")


def test_corrupt_gzip_is_rejected(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(MINI.read_bytes()))
    data[len(data) // 2] ^= 0xFF
    data[len(data) // 2 + 1] ^= 0xFF
    expect_error(write(tmp_path, "bad.heapsnapshot.gz", bytes(data)))


def test_random_bytes_are_rejected(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "random.bin", os.urandom(4096) + b"\x00"))


def test_directory_is_rejected(tmp_path: Path) -> None:
    expect_error(tmp_path, "directory")


def test_missing_path_is_rejected(tmp_path: Path) -> None:
    expect_error(tmp_path / "nope.heapsnapshot", "no such file")


def test_gzip_is_detected_by_magic_bytes_not_name(tmp_path: Path) -> None:
    path = write(tmp_path, "plainname.heapsnapshot", gzip.compress(MINI.read_bytes()))
    raw = load_raw(str(path))
    assert raw.nodes.shape == (7, 12)


def test_six_field_nodes_without_trace_node_id_load(tmp_path: Path) -> None:
    doc = mini_doc()
    fields = doc["snapshot"]["meta"]["node_fields"]
    drop = fields.index("trace_node_id")
    del fields[drop]
    del doc["snapshot"]["meta"]["node_types"][drop]
    nodes = doc["nodes"]
    doc["nodes"] = [v for i, v in enumerate(nodes) if i % 7 != drop]
    doc["edges"] = [v // 7 * 6 if i % 3 == 2 else v for i, v in enumerate(doc["edges"])]
    snap = load_snapshot(str(write(tmp_path, "six.heapsnapshot", json.dumps(doc))))
    assert snap.total_size == 219


def test_unknown_node_types_are_tolerated(tmp_path: Path) -> None:
    doc = mini_doc()
    doc["snapshot"]["meta"]["node_types"][0].append("future thing")
    snap = load_snapshot(str(write(tmp_path, "future.heapsnapshot", json.dumps(doc))))
    assert snap.total_size == 219


def test_cli_report_on_bad_input_exits_2_with_one_line_and_no_stdout(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.heapsnapshot", b'{"snapshot": {')
    proc = subprocess.run([sys.executable, "-m", "leaktui.cli", "report", "--format", "json",
                           str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(bad) in lines[0]
    assert "Traceback" not in proc.stderr


def test_strings_with_lone_surrogates_and_escapes_decode(tmp_path: Path) -> None:
    doc = MINI.read_text()
    # Replace the last string with one holding a lone surrogate and escapes, as JSON text.
    head, _, _ = doc.rpartition('"')
    head, _, _ = head.rpartition('"')
    text = head + '"cut \\ud83d here \\"q\\" \\\\ \\u00e9"]}'
    snap = load_snapshot(str(write(tmp_path, "surrogate.heapsnapshot", text)))
    assert snap.strings[len(snap.strings) - 1] == 'cut \ud83d here "q" \\ é'


def _load_in_small_chunks(path: Path, monkeypatch: pytest.MonkeyPatch, cores: int,
                          chunk: int = 4096) -> object:
    """load_raw with chunks of ``chunk`` bytes, cut in two halves parsed at once (cores > 1)
    or read in one pass; its result, or the one-line error it raised."""
    import leaktui.snapshot.loader as loader

    halves = []
    second_half = loader.scan.scan_second_half

    def counted(*args: object) -> tuple[int, int, int, int, int]:
        halves.append(args)
        return second_half(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "CHUNK", chunk)
    monkeypatch.setattr(loader, "PARALLEL_MIN_BYTES", 64)
    monkeypatch.setattr(loader, "_CORES", cores)
    monkeypatch.setattr(loader.scan, "scan_second_half", counted)
    try:
        result: object = load_raw(str(path))
    except SnapshotError as exc:
        result = str(exc)
    assert bool(halves) == (cores > 1), "the chunks were not parsed as asked"
    return result


def test_chunks_parsed_in_two_halves_at_once_give_what_one_pass_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = Path(__file__).parents[1] / "snapshots_sample" / "unbounded-cache" / \
        "unbounded-cache-1.heapsnapshot.gz"
    halves = _load_in_small_chunks(path, monkeypatch, cores=2)
    whole = _load_in_small_chunks(path, monkeypatch, cores=1, chunk=64 << 20)
    assert not isinstance(halves, str) and not isinstance(whole, str), (halves, whole)
    assert halves.nodes.shape == whole.nodes.shape  # type: ignore[attr-defined]
    assert (halves.nodes == whole.nodes).all()  # type: ignore[attr-defined]
    assert (halves.edges == whole.edges).all()  # type: ignore[attr-defined]


def test_chunks_of_v8_s_line_breaks_are_never_parsed_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """V8 writes a row a line (",0,1,...\n,0,..."): a chunk that starts at the comma after a
    line break, and the chunk where the array ends, are still cut in two halves whose counts
    agree, not parsed again in one pass (which took ~40 ms a time on 100 MB)."""
    import leaktui.snapshot.loader as loader

    calls: list[tuple[int, int]] = []
    columns = loader.scan.scan_uint_columns

    def recorded(buf: np.ndarray, lo: int, final: bool, out: np.ndarray, count: int,
                 end: int = -1) -> tuple[int, int, int, int]:
        calls.append((lo, end))
        return columns(buf, lo, final, out, count, end)

    monkeypatch.setattr(loader.scan, "scan_uint_columns", recorded)
    path = Path(__file__).parents[1] / "snapshots_sample" / "unbounded-cache" / \
        "unbounded-cache-1.heapsnapshot.gz"
    for chunk in (4093, 4096, 5000):  # windows ending at every place in a line
        calls.clear()
        result = _load_in_small_chunks(path, monkeypatch, cores=2, chunk=chunk)
        assert not isinstance(result, str), result
        again = [lo for (lo, end), (prev_lo, prev_end) in zip(calls[1:], calls, strict=False)
                 if end == -1 and prev_end >= 0 and lo == prev_lo]
        assert again == [], f"chunks parsed again in one pass at {again[:5]}"
        halves = sum(1 for _, end in calls if end >= 0)
        assert halves > 100


@pytest.mark.parametrize(("bad", "named"), [("-7", "negative number"), ("7x", "unexpected"),
                                            ("99999999999", "does not fit in 32 bits")])
@pytest.mark.parametrize("where", [0.3, 0.6, 0.97])
def test_bad_values_in_either_half_of_a_chunk_are_the_same_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: str, named: str, where: float,
) -> None:
    doc = mini_doc()
    text = json.dumps(doc)
    start = text.index('"edges": [') + len('"edges": [')
    end = text.index("]", start)
    values = text[start:end].split(", ")
    values[int(len(values) * where)] = bad
    path = write(tmp_path, "bad.heapsnapshot", text[:start] + ", ".join(values) + text[end:])
    halves = _load_in_small_chunks(path, monkeypatch, cores=2, chunk=128)
    whole = _load_in_small_chunks(path, monkeypatch, cores=1, chunk=1 << 20)
    assert isinstance(halves, str) and named in halves, halves
    assert halves == whole


@pytest.mark.parametrize(("cores", "chunk"), [(2, 256), (1, 4096), (1, 64 << 20)])
def test_locations_samples_and_trace_infos_are_the_file_s_numbers_in_any_chunking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cores: int, chunk: int,
) -> None:
    doc = json.loads(gzip.decompress((Path(__file__).parents[1] / "snapshots_sample" /
                                      "unbounded-cache" / "unbounded-cache-1.heapsnapshot.gz")
                                     .read_bytes()))
    assert len(doc["locations"]) > 1000, "the sample should have locations to parse"
    # Real tracked snapshots have these two sections; give them numbers of every length.
    doc["samples"] = [0, 9, 10, 99, 100, 12345678, 123456789, 4294967295, 7]
    doc["trace_function_infos"] = list(range(0, 3000, 7))
    path = write(tmp_path, "all.heapsnapshot", json.dumps(doc, indent=1))  # newlines too
    raw = _load_in_small_chunks(path, monkeypatch, cores=cores, chunk=chunk)
    assert not isinstance(raw, str), raw
    fields = len(doc["snapshot"]["meta"]["location_fields"])
    want = [doc["locations"][f::fields] for f in range(fields)]
    assert raw.locations.tolist() == want  # type: ignore[attr-defined]
    assert raw.samples.tolist() == doc["samples"]  # type: ignore[attr-defined]
    assert raw.trace_function_infos.tolist() == doc["trace_function_infos"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("bad", "named"), [("-3", "negative number in samples"),
                                            ("4294967296", "does not fit in 32 bits"),
                                            ("1.5", "unexpected character"), ("[2]", "unexpected")])
def test_bad_numbers_in_samples_are_one_clear_error(tmp_path: Path, bad: str, named: str) -> None:
    doc = mini_doc()
    text = json.dumps(doc)[:-1] + f', "samples": [1, 2, {bad}, 4]}}'
    expect_error(write(tmp_path, "bad.heapsnapshot", text), named)


def test_locations_not_a_multiple_of_their_fields_are_one_clear_error(tmp_path: Path) -> None:
    doc = mini_doc()
    doc["snapshot"]["meta"]["location_fields"] = ["object_index", "script_id", "line", "column"]
    doc["locations"] = [0, 1, 2, 3, 0, 1]
    expect_error(write(tmp_path, "bad.heapsnapshot", json.dumps(doc)), "locations",
                 "not a multiple")


def test_numbers_separated_by_blanks_or_doubled_commas_parse_alike_in_halves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The second half of a chunk is placed assuming one number per comma before it; where
    # that is wrong the chunk is parsed again in one pass, with the same result.
    import random

    doc = json.loads(gzip.decompress((Path(__file__).parents[1] / "snapshots_sample" /
                                      "unbounded-cache" / "unbounded-cache-1.heapsnapshot.gz")
                                     .read_bytes()))
    rng = random.Random(3)
    text = json.dumps(doc)
    for key in ('"nodes": [', '"edges": ['):
        start = text.index(key) + len(key)
        end = text.index("]", start)
        values = text[start:end].split(", ")
        odd = "".join(v + rng.choice([",", ", ", " ", " ,", ",,", "\n"]) for v in values[:-1])
        text = text[:start] + odd + values[-1] + text[end:]
    path = write(tmp_path, "odd.heapsnapshot", text)
    halves = _load_in_small_chunks(path, monkeypatch, cores=2, chunk=256)
    whole = _load_in_small_chunks(path, monkeypatch, cores=1, chunk=64 << 20)
    assert not isinstance(halves, str) and not isinstance(whole, str), (halves, whole)
    assert halves.nodes.tolist() == whole.nodes.tolist()  # type: ignore[attr-defined]
    assert halves.edges.tolist() == whole.edges.tolist()  # type: ignore[attr-defined]
    want = [doc["nodes"][f::7] for f in range(7)]
    assert whole.nodes.tolist() == want  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", ["1,22,333,4444,55555,6,77,8", "1 22,333, 4444,,55555,6 77,8"])
def test_second_half_is_placed_by_the_commas_of_the_first_and_says_what_it_assumed(
    text: str,
) -> None:
    from leaktui.snapshot import scan

    data = (text + "]").encode()
    buf = np.frombuffer(data, dtype=np.uint8)
    cut = data.index(b"4444")  # just past a comma
    out = np.zeros((2, 8), dtype=np.uint32)
    status, pos, count, _, assumed = scan.scan_second_half(buf, 0, cut, len(data), True, out, 0)
    commas = data[:cut].count(b",")
    assert (status, pos, assumed) == (scan.DONE, len(data), commas)
    values = [int(v) for v in text.replace(",", " ").split()]
    second = values[values.index(4444):]
    assert count == commas + len(second)
    flat = out.T.ravel().tolist()  # value k sits at out[k % 2, k // 2]
    assert flat[commas:count] == second


def test_a_pipe_is_refused_in_one_line_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "snapshot.fifo"
    os.mkfifo(fifo)  # no writer: opening it would wait for one (a daemon thread, so a
    messages: list[str] = []  # regression fails here after 30 s instead of hanging the run)
    waiting = threading.Thread(target=lambda: messages.append(expect_error(fifo)), daemon=True)
    waiting.start()
    waiting.join(30)
    assert messages and "is a pipe or a device, not a file" in messages[0]
    proc = subprocess.run([sys.executable, "-m", "leaktui.cli", "report", "--format", "json",
                           str(fifo)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"leaktui: {fifo}: is a pipe or a device, not a file: save the snapshot to a file and "
        "give its path"]

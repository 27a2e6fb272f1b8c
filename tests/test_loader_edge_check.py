"""The edges are checked on a second thread while the rest of the file (the string table) is
read, with no bound on name indexes then; the names are compared with the table's size after.
The error is the one a single check after reading gives: the first bad edge in edge order,
whatever is wrong with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leaktui.errors import SnapshotError
from leaktui.snapshot import load_raw

MINI = Path(__file__).parent / "data" / "mini.heapsnapshot"
# mini.heapsnapshot: edge 1 is an element edge (its name is a number), edges 4 and 9 property
# edges (names are string indexes); 7 fields a node, 17 strings.


def _error(tmp_path: Path, changes: dict[int, int]) -> str:
    doc = json.loads(MINI.read_text())
    for at, value in changes.items():
        doc["edges"][at] = value
    path = tmp_path / "bad.heapsnapshot"
    path.write_text(json.dumps(doc))
    with pytest.raises(SnapshotError) as info:
        load_raw(str(path))
    return str(info.value)


def test_a_bad_name_before_a_bad_target_is_the_error(tmp_path: Path) -> None:
    message = _error(tmp_path, {3 * 4 + 1: 10_000, 3 * 9 + 2: 7 * 1000})
    assert "edge 4 has a name index out of range" in message, message


def test_a_bad_target_before_a_bad_name_is_the_error(tmp_path: Path) -> None:
    message = _error(tmp_path, {3 * 4 + 2: 7 * 1000, 3 * 9 + 1: 10_000})
    assert "edge 4 points past the last node" in message, message


def test_a_bad_name_and_a_bad_target_on_one_edge_name_the_target(tmp_path: Path) -> None:
    message = _error(tmp_path, {3 * 4 + 1: 10_000, 3 * 4 + 2: 3})
    assert "edge 4 points inside a node" in message, message


def test_a_large_number_on_an_element_edge_is_no_name(tmp_path: Path) -> None:
    doc = json.loads(MINI.read_text())
    doc["edges"][3 * 1 + 1] = 10_000  # an element index, not a string index
    path = tmp_path / "element.heapsnapshot"
    path.write_text(json.dumps(doc))
    assert load_raw(str(path)).edges.shape[1] == 13


def test_a_second_nodes_section_after_the_edges_is_one_clear_error(tmp_path: Path) -> None:
    text = MINI.read_text().rstrip().rstrip("}")
    doc = json.loads(MINI.read_text())
    path = tmp_path / "twice.heapsnapshot"
    path.write_text(text + ', "nodes": ' + json.dumps(doc["nodes"]) + "}")
    with pytest.raises(SnapshotError) as info:
        load_raw(str(path))
    assert 'a second "nodes" section after the edges' in str(info.value)

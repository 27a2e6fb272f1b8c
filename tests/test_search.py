"""Search the heap on a real snapshot: a Node program plants a token in a session held by a Map
in a module variable, a property named after an account and a URL captured by a closure; each
is found with the path a responder needs, in the core and in `leaktui report --find`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import write_series

from leaktui.report_strings import json_safe, markdown_text
from leaktui.snapshot import HeapSnapshot, load_snapshot
from leaktui.snapshot.search import HeapSearch, Query, SearchError, find_objects
from leaktui.text import one_line

SEED = "7d1e90b3c4f2"
TOKEN = "tok_" + SEED[::-1]
ACCOUNT = "acct_" + SEED
URL = f"https://billing.internal.example/v1/{SEED}/invoices"


@pytest.fixture(scope="module")
def planted_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_series("planted_secrets.js", tmp_path_factory.mktemp("planted"), SEED)[0]


@pytest.fixture(scope="module")
def planted(planted_path: Path) -> HeapSnapshot:
    return load_snapshot(str(planted_path))


def test_a_token_in_a_session_held_by_a_map_in_a_module_variable_is_found_with_its_path(
        planted: HeapSnapshot) -> None:
    result = find_objects(planted, TOKEN)
    assert result.total == 1
    hit = result.page(0, 10)[0]
    assert (hit.class_name, hit.name, hit.kinds) == ("(string)", TOKEN, ("value",))
    path = planted.path_names(hit.node)
    assert path[-1] == "token"
    assert "sessions" in path and path.index("sessions") < path.index("table")


def test_a_property_named_after_an_account_finds_the_object_that_has_it(
        planted: HeapSnapshot) -> None:
    result = find_objects(planted, ACCOUNT)
    by_kind = {f.kinds: f for f in result.page(0, result.total)}
    holder = by_kind[("property",)]
    assert holder.matched == ACCOUNT
    assert planted.path_names(holder.node) == ["accounts"]
    assert result.counts["property"] == 1 and result.counts["value"] >= 1


def test_a_url_captured_by_a_closure_is_found_by_regex_with_the_closure_on_its_path(
        planted: HeapSnapshot) -> None:
    result = find_objects(planted, r"re:^https://billing\.internal\.example/v1/[0-9a-f]+/")
    names = [f.name for f in result.page(0, result.total)]
    assert names == [URL]
    path = planted.path_names(int(result.nodes[0]))
    assert path[-3:] == ["0", "context", "target"] and "jobs" in path


def test_a_url_left_as_a_concatenated_string_is_found_by_its_joined_text(
        planted: HeapSnapshot) -> None:
    receipt = f"https://receipts.internal.example/r/{SEED}?sig={SEED[:6]}"
    for query in (f"{SEED}?sig=", "re:^https://receipts\\.[a-z.]+/r/[0-9a-f]+\\?sig=[0-9a-f]{6}$"):
        result = find_objects(planted, query)
        found = [f for f in result.page(0, result.total) if f.name == receipt]
        assert len(found) == 1, query
        assert found[0].class_name == "(concatenated string)" and found[0].kinds == ("value",)
        assert planted.path_names(found[0].node) == ["receipts", "last"]


def test_non_ascii_text_is_found_by_plain_text_and_by_regex(planted: HeapSnapshot) -> None:
    label = "café-☕-" + SEED
    for query in (label, "re:^caf.-.-" + SEED + "$"):
        result = find_objects(planted, query)
        assert [f.name for f in result.page(0, 5)] == [label], query
        assert planted.path_names(int(result.nodes[0])) == ["accounts", ACCOUNT, "label"]


def test_regex_anchors_keep_to_one_string(planted: HeapSnapshot) -> None:
    whole = find_objects(planted, f"re:^{TOKEN}$")
    assert [f.name for f in whole.page(0, 5)] == [TOKEN]
    assert find_objects(planted, f"re:^{TOKEN[1:]}").total == 0
    assert find_objects(planted, f"re:(?i)^{TOKEN.upper()}$").total == 1


def test_plain_search_is_case_sensitive_and_regex_is_not_when_asked(
        planted: HeapSnapshot) -> None:
    assert find_objects(planted, TOKEN.upper()).total == 0
    assert find_objects(planted, "Session").counts["class"] >= 21  # 21 instances + the class


def test_a_class_name_matches_every_instance_largest_first(planted: HeapSnapshot) -> None:
    result = find_objects(planted, "re:^Session$")
    sessions = [f for f in result.page(0, result.total) if "class" in f.kinds]
    assert len(sessions) == 21
    sizes = [int(planted.retained_size[f.node]) for f in result.page(0, result.total)]
    assert sizes == sorted(sizes, reverse=True)


def test_strings_with_escapes_are_matched_on_their_decoded_text(planted: HeapSnapshot) -> None:
    # The program's source holds newlines (JSON-escaped in the file): a text across a line end.
    result = find_objects(planted, "'use strict';\nconst v8")
    assert result.counts["value"] >= 1


def test_a_second_search_for_the_same_text_is_answered_from_the_cache(
        planted: HeapSnapshot) -> None:
    search = HeapSearch(planted)
    first = search.find(TOKEN)
    assert search.cached(TOKEN) is first and search.find(TOKEN) is first


@pytest.mark.parametrize("bad", ["", "re:", "re:(unclosed"])
def test_an_empty_query_or_a_bad_regex_is_refused_with_a_message(bad: str) -> None:
    with pytest.raises(SearchError):
        Query.parse(bad)


def run_report(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leaktui.cli", "report", *args],
                          capture_output=True, text=True, timeout=300)


def test_report_find_lists_the_planted_token_with_its_path_and_the_total(
        planted_path: Path) -> None:
    proc = run_report("--format", "json", "--find", TOKEN, str(planted_path))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["found_total"] == 1
    (row,) = report["found"]
    assert set(row) >= {"id", "class", "name", "retained_size", "path"}
    assert (row["class"], row["name"], row["path"][-1]) == ("(string)", TOKEN, "token")
    assert "sessions" in row["path"]


def test_report_find_limit_cuts_the_list_but_not_the_total(planted_path: Path) -> None:
    proc = run_report("--format", "json", "--find", "Session", "--find-limit", "3",
                      str(planted_path))
    report = json.loads(proc.stdout)
    assert len(report["found"]) == 3 and report["found_total"] > 3


def test_report_text_and_markdown_show_the_found_objects(planted_path: Path) -> None:
    for fmt in ("text", "markdown"):
        proc = run_report("--format", fmt, "--find", URL, str(planted_path))
        assert proc.returncode == 0, proc.stderr
        assert "Found" in proc.stdout and "jobs" in proc.stdout


def test_report_find_with_a_bad_regex_exits_2_with_one_line(planted_path: Path) -> None:
    proc = run_report("--find", "re:(", str(planted_path))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "bad regex" in proc.stderr


def test_report_lists_duplicate_strings_of_the_last_snapshot(planted_path: Path) -> None:
    proc = run_report("--format", "json", "--top", "5", str(planted_path))
    dups = json.loads(proc.stdout)["duplicate_strings"]
    assert len(dups) == 5
    assert all(set(d) >= {"value", "count", "size"} and d["count"] >= 2 for d in dups)


def test_lone_surrogates_become_replacement_characters_in_json() -> None:
    assert json_safe("x\ud800y") == "x\ufffdy"
    assert json_safe("café ☕ 😀") == "café ☕ 😀"


def test_user_strings_in_markdown_are_one_line_cut_and_inert() -> None:
    text = "<img src=x> **bold** | [link](http://x)\nnext line" + "x" * 100
    md = markdown_text(text, 40)
    assert "\n" not in md and len(md) <= 80 and md.endswith("…")
    assert not re.search(r"(?<!\\)[<>*|\[\]()]", md), md  # every special char escaped
    assert one_line("a\tb\x07", 20) == "a\\tb\\x07"


def test_arrays_longer_than_the_string_table_leave_property_names_to_named_edges() -> None:
    """Element and hidden edges are named by an index, not a string: in this sample an array
    has more elements than the snapshot has strings (`report --find` once failed on it)."""
    root = Path(__file__).resolve().parents[1]
    snap = load_snapshot(str(root / "snapshots_sample" / "per-request-retention"
                             / "per-request-retention-3.heapsnapshot.gz"))
    named = np.isin(snap.edge_type, [snap.E_PROPERTY, snap.E_CONTEXT, snap.E_SHORTCUT])
    assert int(snap.edge_name[~named].max()) >= len(snap.strings)  # the case at hand
    query = Query.parse("id")
    edges = np.flatnonzero(named)
    hits = [e for e, n in zip(edges, snap.edge_name[edges], strict=True)
            if query.matches(snap.strings[int(n)])]
    expected = set(snap.edge_sources(np.asarray(hits, dtype=np.int64)).tolist())
    result = find_objects(snap, "id")
    found = {f.node for f in result.page(0, result.total) if "property" in f.kinds}
    assert expected and found == expected

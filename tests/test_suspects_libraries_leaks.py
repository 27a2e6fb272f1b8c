"""What the suspects must say about each leak of the corpus on real npm libraries
(tests/library_corpus.py): the right pattern first, the holder named by its path, one suspect
per leak, and a `grown_size` that explains the heap's growth."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from library_corpus import (  # noqa: F401 (fixtures)
    CASES,
    LEAKS,
    Findings,
    library_findings,
    library_series,
)

from leaktui.suspects import Suspect

Corpus = Callable[[str], Findings]


def summary(suspects: list[Suspect]) -> list[tuple[str, str, str, list[str]]]:
    return [(s.pattern, s.severity, s.title, s.holder_path) for s in suspects[:5]]


def contains_run(path: list[str], names: list[str]) -> bool:
    return any(path[i:i + len(names)] == names for i in range(len(path) - len(names) + 1))


@pytest.mark.parametrize("name", LEAKS)
def test_library_leak_is_named_after_its_pattern_first(name: str,
                                                       library_findings: Corpus,  # noqa: F811
                                                       ) -> None:
    found = library_findings(name).suspects
    assert found, f"nothing found for {name}"
    assert found[0].pattern == CASES[name].pattern, summary(found)
    assert found[0].severity == "high", summary(found)


@pytest.mark.parametrize("name", [n for n in LEAKS if CASES[n].holder is not None])
def test_library_leak_holder_is_named_by_its_path_from_user_code(
    name: str, library_findings: Corpus,  # noqa: F811
) -> None:
    holder = CASES[name].holder
    assert holder is not None
    found = library_findings(name).suspects
    assert found, f"nothing found for {name}"
    top = found[0]
    if "/" in holder:
        # Only the library's module reaches it: named by the module's package file (and the
        # variable in it), never by the absolute path of a require.cache key.
        assert holder in top.title and "node_modules" not in top.title, top.title
        assert f"@{top.holder_id}" in top.title, top.title
        return
    assert contains_run(top.holder_path, holder.split(".")), summary([top])
    assert holder in top.title, top.title  # `backend.api`, not `Axios @1234`


@pytest.mark.parametrize("name", LEAKS)
def test_library_leak_is_exactly_one_suspect(name: str, library_findings: Corpus,  # noqa: F811
                                             ) -> None:
    found = library_findings(name).suspects
    assert len(found) == CASES[name].parts, summary(found)
    assert all(s.pattern == CASES[name].pattern for s in found), summary(found)


@pytest.mark.parametrize("name", LEAKS)
def test_library_leak_grown_size_explains_at_least_half_of_the_heap_growth(
    name: str, library_findings: Corpus,  # noqa: F811
) -> None:
    case = library_findings(name)
    found = case.suspects
    assert found, f"nothing found for {name}"
    top = found[0]
    growth = case.growth
    assert top.grown_size >= growth / 2, (top.grown_size, growth, summary([top]))
    data = top.to_json()
    assert data["grown_size"] == top.grown_size
    assert data["shared_with"] == [] or CASES[name].parts > 1  # parts reach the same objects
    json.dumps(data)


def test_what_listeners_keep_is_read_through_the_scopes_made_with_them(
    library_findings: Corpus,  # noqa: F811
) -> None:
    # nunjucks subscribes each Environment to its loader from a `forEach` callback: the
    # listener's own scope holds the one shared loader, the scope above it the Environment.
    [top] = library_findings("nunjucks-environment-per-request").suspects
    assert "each keeps alive what it closed over, mostly Environment" in top.evidence, (
        top.evidence)


def test_high_cardinality_examples_show_where_the_keys_differ(
    library_findings: Corpus,  # noqa: F811
) -> None:
    # OpenTelemetry's attribute-set keys share a long prefix (`[["http.method","GET"],
    # ["http.route","/api/produ`): two examples cut at 48 characters were the same text.
    top = library_findings("otel-metrics-url-attribute").suspects[0]
    [said] = [e for e in top.evidence if "sampled keys contain" in e]
    examples = re.findall(r"'([^']*)'", said.split("e.g. ", 1)[1])
    assert len(examples) == 2 and examples[0] != examples[1], said
    assert all("q=shoe" in e for e in examples), said


def test_an_lrus_index_map_is_reported_at_the_lru_that_keeps_the_values(
    library_findings: Corpus,  # noqa: F811
) -> None:
    # lru-memoizer's LRU keeps key -> slot in a Map and the values in arrays beside it: named
    # at that Map, the suspect "held 88 kB" of a cache keeping half a megabyte.
    [top] = library_findings("lru-memoizer-timestamp-key").suspects
    assert top.holder_path[-1] == "cache" and top.holder_class != "Map", top.holder_path_text

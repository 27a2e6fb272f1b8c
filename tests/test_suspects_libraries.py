"""The leak corpus on real npm libraries (tests/library_corpus.py): the programs leak and their
controls do not, and the suspects raise nothing `high` on a library used correctly.

What the suspects must say about each leak (pattern, holder by its path, one suspect per leak,
sizes that explain the growth) is in tests/test_suspects_libraries_leaks.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from library_corpus import (  # noqa: F401 (fixtures)
    CASES,
    CONTROL_ONLY,
    CONTROLS,
    LEAKS,
    Findings,
    library_findings,
    library_series,
)

Corpus = Callable[[str], Findings]


def test_every_library_has_a_leak_and_a_control_and_every_shape_two_libraries() -> None:
    libraries = {c.library for c in CASES.values()}
    for library in libraries:
        patterns = {c.pattern for c in CASES.values() if c.library == library}
        assert None in patterns, library
        assert bool(patterns - {None}) != (library in CONTROL_ONLY), library
    by_pattern: dict[str, set[str]] = {}
    for c in CASES.values():
        if c.pattern is not None:
            by_pattern.setdefault(c.pattern, set()).add(c.library)
    assert all(len(libs) >= 2 for libs in by_pattern.values()), by_pattern


@pytest.mark.parametrize("name", CONTROLS)
def test_library_used_correctly_raises_nothing_high(name: str,
                                                    library_findings: Corpus,  # noqa: F811
                                                    ) -> None:
    case = library_findings(name)
    assert not [s for s in case.suspects if s.severity == "high"], [
        (s.pattern, s.severity, s.title) for s in case.suspects]
    assert not [s for s in case.last_only if s.severity == "high"]


# fastq reuses its Task objects through a free list (reusify): as many as ran at once stay
# linked, and one snapshot cannot tell that pool from a queue.
POOLED = {"fastq-control"}
# A bounded cache filled to its bound (quick-lru's 1,000 entries, 5% of the heap) is large in
# one snapshot, which cannot tell a bound from a leak: low, the most one snapshot says.
FULL_BOUND = {"quick-lru-bounded-control"}


@pytest.mark.parametrize("name", CONTROLS)
def test_library_used_correctly_shows_nothing_in_one_snapshot(
    name: str, library_findings: Corpus,  # noqa: F811
) -> None:
    # What every service built on these libraries has (a bundle's lazily loaded modules, Node's
    # package.json cache, method tables, shipped JSON tables) is not news in an incident.
    shown = [(s.pattern, s.severity, s.title) for s in library_findings(name).last_only
             if not (name in POOLED | FULL_BOUND and s.severity == "low")]
    assert not shown


@pytest.mark.parametrize("name", CONTROLS)
def test_library_used_correctly_has_no_suspect_on_a_class_prototype_in_one_snapshot(
    name: str, library_findings: Corpus,  # noqa: F811
) -> None:
    # What a library defines once per class (lodash's method table on a prototype, a
    # parser's tables reached through `__proto__`) cannot be shown to grow by one snapshot.
    # (the holder is the prototype, or a field of it: the last two steps of its path)
    on_prototypes = [s.title for s in library_findings(name).last_only
                     if {"prototype", "__proto__"} & set(s.holder_path[-2:])]
    assert not on_prototypes


@pytest.mark.parametrize("name", CONTROLS)
def test_library_used_correctly_has_no_suspect_on_a_table_a_module_exports_in_one_snapshot(
    name: str, library_findings: Corpus,  # noqa: F811
) -> None:
    # mime-db's table of 2,000+ types (what express, koa and axios load) is a module's exports:
    # defined once when required, not grown by requests.
    case = library_findings(name)
    exported = [s.title for s, by in zip(case.last_only, case.last_only_retainers, strict=True)
                if "Module" in by]
    assert not exported


@pytest.mark.parametrize("name", LEAKS)
def test_library_leak_program_grows_more_than_its_control(name: str,
                                                          library_findings: Corpus,  # noqa: F811
                                                          ) -> None:
    # The corpus itself: a leak case's heap grows at each snapshot, and by more than the
    # same library used correctly over the same rounds.
    case = CASES[name]
    sizes = library_findings(name).sizes
    assert sizes[0] < sizes[1] < sizes[2], sizes
    controls = [c.name for c in CASES.values() if c.library == case.library and not c.leaks]
    for control in controls:
        assert library_findings(name).growth > library_findings(control).growth, control


@pytest.mark.parametrize("name", sorted(CASES))
def test_library_series_with_older_snapshots_kept_lean_has_the_same_suspects(
    name: str, library_findings: Corpus,  # noqa: F811
) -> None:
    case = library_findings(name)
    assert [s.to_json() for s in case.lean] == [s.to_json() for s in case.suspects]


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_part_of_what_a_library_suspect_keeps_is_bigger_than_the_whole(
    name: str, library_findings: Corpus,  # noqa: F811
) -> None:
    # A suspect that "holds 4.0 MB" does not keep "16,813 Function (5.4 MB)".
    for s in library_findings(name).suspects:
        for part in s.retains:
            assert int(part["retained_size"]) <= s.retained_size, (s.title, part)  # type: ignore[call-overload]


def test_window_a_repeating_timer_sweeps_is_medium_at_most_named_by_its_owner(
    library_findings: Corpus,  # noqa: F811
) -> None:
    # express-rate-limit's memory store swaps its Map of hits per client every window (15
    # minutes here); the series spans a second. Growth is seen, high is not earned, and the
    # title names the store by its class, not by Node's timer list it is reached through.
    found = library_findings("express-rate-limit-control").suspects
    shown = [(s.pattern, s.severity, s.title) for s in found]
    store = [s for s in found if "Map MemoryStore.current " in s.title]
    assert len(store) == 1 and store[0].severity == "medium", shown
    assert not [s for s in found if s.severity == "high"], shown
    assert any("(setInterval, every 900 s)" in e for e in store[0].evidence), store[0].evidence


def test_a_ttl_cache_filled_within_its_ttl_is_not_high_and_names_its_purge_timer(
        library_findings: Corpus,  # noqa: F811
) -> None:
    # Three snapshots a second apart, a 10-minute ttl: nothing has expired yet, so the entry
    # count only grows, exactly as the same cache without a ttl (which is high). Only the
    # pending timer that closes over the cache says its entries will go.
    control = library_findings("ttlcache-ttl-control").suspects
    assert [s.severity for s in control] == ["medium"], [(s.severity, s.title) for s in control]
    assert any("pending timer (setTimeout, 600 s) closes over the object that owns it" in e
               for e in control[0].evidence), control[0].evidence
    leak = library_findings("ttlcache-no-ttl").suspects
    assert leak[0].severity == "high" and not any("pending timer" in e for e in leak[0].evidence)
    # Its values' Map names it, not the Map of expiry times beside it (equally near the user's
    # code, found first in some runs): the name follows the suspect's lead, whatever the order.
    assert leak[0].title.startswith("Map sessions.cache.data only grows"), leak[0].title


def test_a_cache_replacing_its_generations_between_snapshots_is_not_shown_growing(
    library_findings: Corpus,  # noqa: F811
) -> None:
    # quick-lru swaps in a new Map when the newer generation is full: `#oldCache` is another
    # Map in every snapshot, its members all new, and their entries counted by id read as
    # 0 -> 0 -> 1,000 "in its member objects" of "the same object".
    case = library_findings("quick-lru-bounded-control")
    assert not [(s.pattern, s.severity, s.title) for s in case.suspects
                if "idempotency" in s.holder_path_text]

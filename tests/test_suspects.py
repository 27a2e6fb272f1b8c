"""Leak suspects: the right pattern first, with the right holder, on leak programs of our own
(the bundled sample series, and other shapes with other names written by real Node processes at
test time); programs that do not leak raise nothing `high`."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import node_binary
from order_support import ids_first, named_first, reversed_layout

from leaktui.snapshot import HeapSnapshot, load_snapshot
from leaktui.snapshot.lean import LeanSnapshot
from leaktui.suspects import PATTERNS, Suspect, find_suspects, format_suspect_text
from leaktui.suspects.base import grows, retained_classes, severity_from
from leaktui.suspects.high_cardinality_key import unique_part

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "snapshots_sample"
EXPECTED = json.loads((SAMPLES / "expected.json").read_text())
PROGRAMS = ROOT / "tests" / "programs" / "suspects"


def load_series(paths: list[Path]) -> list[HeapSnapshot]:
    return [load_snapshot(str(p)) for p in sorted(paths)]


def summary(suspects: list[Suspect]) -> list[tuple[str, str, str]]:
    return [(s.pattern, s.severity, s.title) for s in suspects[:4]]


# ---------------------------------------------------------------- the bundled samples
@pytest.fixture(scope="session")
def sample_series() -> dict[str, list[HeapSnapshot]]:
    return {name: load_series(list((SAMPLES / name).glob("*.heapsnapshot.gz")))
            for name in EXPECTED}


@pytest.mark.parametrize("series", sorted(EXPECTED))
def test_sample_series_top_suspect_has_the_expected_pattern_and_holder(
    series: str, sample_series: dict[str, list[HeapSnapshot]],
) -> None:
    expected = EXPECTED[series]
    suspects = find_suspects(sample_series[series])
    if not expected["leaks"]:
        assert not [s for s in suspects if s.severity == "high"], summary(suspects)
        return
    top = suspects[0]
    assert top.pattern == expected["pattern"], summary(suspects)
    assert top.severity == "high"
    assert top.item_class == expected["item_class"]
    if expected["holder_path"] is not None:
        assert top.holder_path == expected["holder_path"]
    assert top.item_counts[0] < top.item_counts[1] < top.item_counts[2]


@pytest.mark.parametrize("series", [s for s in sorted(EXPECTED) if EXPECTED[s]["leaks"]])
def test_one_sample_snapshot_alone_still_names_the_leak_without_claiming_growth(
    series: str, sample_series: dict[str, list[HeapSnapshot]],
) -> None:
    suspects = find_suspects(sample_series[series][-1:])
    assert suspects and suspects[0].pattern == EXPECTED[series]["pattern"], summary(suspects)
    if EXPECTED[series]["pattern"] != "listener-leak":  # thousands of listeners: high on sight
        assert suspects[0].severity == "medium"  # large, but no growth seen


def test_sample_counts_are_entries_not_edges(sample_series: dict[str, list[HeapSnapshot]],
                                             ) -> None:
    # 50 + 1500 + 1500 lookups with distinct keys: a Map's key and value are one entry.
    top = find_suspects(sample_series["high-cardinality-key"])[0]
    assert top.item_counts == [50, 1550, 3050]


def test_suspect_json_has_the_report_shape_and_text_reads_well(
    sample_series: dict[str, list[HeapSnapshot]],
) -> None:
    suspects = find_suspects(sample_series["unbounded-cache"])
    data = suspects[0].to_json()
    assert list(data) == ["pattern", "severity", "score", "title", "holder", "items", "retains",
                          "retained_size", "grown_size", "shared_with", "evidence", "advice"]
    assert data["pattern"] in PATTERNS
    assert set(data["holder"]) == {"id", "class", "path", "path_text"}  # type: ignore[arg-type]
    assert set(data["items"]) == {"class", "count", "counts"}  # type: ignore[arg-type]
    assert data["retains"] and {"class", "count", "retained_size"} <= set(data["retains"][0])
    json.dumps(data)  # plain JSON types only
    text = "\n".join(format_suspect_text(suspects[0]))
    assert "services.profiles.userCache" in text and "fix:" in text
    markdown = format_suspect_text(suspects[0], markdown=True)
    assert markdown[0].startswith("**[HIGH] unbounded-cache")


# ---------------------------------------------------------------- other shapes, other names
# shape -> (program, pattern, tail of the holder's path, item class); pattern None: a control.
SHAPES: dict[str, tuple[str, str | None, list[str] | None, str | None]] = {
    "module-map": ("caches", "unbounded-cache", ["profileCache"], "Profile"),
    "process-cache": ("caches", "unbounded-cache", ["process", "lookupCache"], None),
    "class-store": ("caches", "unbounded-cache", ["service", "byKey"], None),
    "object-dict": ("caches", "unbounded-cache", ["shop", "catalog"], None),
    "memoized": ("caches", "unbounded-cache", ["context", "memo"], None),
    "object-set": ("caches", "unbounded-cache", ["orders", "processed"], "Order"),
    "page-cache": ("caches", "unbounded-cache", ["renderer", "pages"], None),
    "tenant-maps": ("caches", "unbounded-cache", ["byTenant", "sessions"], None),
    "id-indexed-array": ("caches", "unbounded-cache", ["crm", "customers"], None),
    "ip-agent": ("cardinality", "high-cardinality-key", ["limiter", "rateInfo"], None),
    "shared-verdicts": ("cardinality", "high-cardinality-key", ["firewall", "verdictOf"], None),
    "timestamp-keys": ("cardinality", "high-cardinality-key", ["audit", "seenAt"], None),
    "uuid-object": ("cardinality", "high-cardinality-key", ["jobs", "results"], None),
    "url-query": ("cardinality", "high-cardinality-key", ["ssr", "rendered"], None),
    "token-set": ("cardinality", "high-cardinality-key", ["auth", "seenTokens"], None),
    "epoch-object": ("cardinality", "high-cardinality-key", ["events", "byTime"], None),
    "request-log": ("requests", "per-request-retention", ["debug", "recent"], "IncomingMessage"),
    "socket-set": ("requests", "per-request-retention", ["net", "peers"], "Socket"),
    "response-subscribers": ("requests", "per-request-retention", ["push", "subscribers"],
                             "ServerResponse"),
    "context-map": ("requests", "per-request-retention", ["tracing", "contexts"],
                    "IncomingMessage"),
    "thousands-of-contexts": ("requests", "per-request-retention", ["tracing", "contexts"],
                              "IncomingMessage"),
    "client-requests": ("requests", "per-request-retention", ["telemetry", "sent"],
                        "ClientRequest"),
    "payload-log": ("requests", "per-request-retention", ["replay", "captured"], None),
    "service-profiles": ("requests", "unbounded-cache", ["service", "profiles"], None),
    "request-keyed": ("requests", "per-request-retention", ["metrics", "timings"],
                      "IncomingMessage"),
    "module-emitter": ("listeners", "listener-leak", ["hub", "_events", "refresh"], "Function"),
    "process-exit": ("listeners", "listener-leak", ["process", "_events", "exit"], "Function"),
    "store-subclass": ("listeners", "listener-leak", ["store", "_events", "change"], "Function"),
    "abort-signal": ("listeners", "listener-leak", ["shutdown", "#signal"], "Function"),
    "abort-any": ("listeners", "unbounded-cache", ["gcPersistentSignals"], "EventTarget"),
    "once-never": ("listeners", "listener-leak", ["db", "_events", "connected"], "Function"),
    "once-promises": ("listeners", "listener-leak", ["runner", "worker", "_events", "error"],
                      "Function"),
    "per-id-events": ("listeners", "listener-leak", ["jobs", "events", "_events"], "Function"),
    "per-id-event-pairs": ("listeners", "listener-leak", ["jobs", "events", "_events"],
                           "Function"),
    "thousands-of-abort-listeners": ("listeners", "listener-leak", ["shutdown", "#signal"],
                               "Function"),
    "client-heartbeat": ("timers", "timer-leak", None, "Timeout"),
    "retry-forever": ("timers", "timer-leak", None, "Timeout"),
    "jittered-retries": ("timers", "timer-leak", ["timerListMap"], "Timeout"),
    "bound-poller": ("timers", "timer-leak", None, "Timeout"),
    "shared-callback": ("timers", "timer-leak", None, "Timeout"),
    "handles-map": ("timers", "timer-leak", ["sessions", "keepAlive"], "Timeout"),
    "watcher-registry": ("timers", "timer-leak", ["fsWatch", "watchers"], "Timeout"),
    "validator-map": ("closures", "closure-capture", ["registry", "validators"], "Function"),
    "shared-scope": ("closures", "closure-capture", ["formatters"], "Function"),
    "hook-object": ("closures", "closure-capture", ["plugin", "hooks"], "Function"),
    "wrapper-chain": ("closures", "closure-capture", ["context", "handler"], "Function"),
    "subscriber-set": ("listeners", "listener-leak", ["app", "store", "subscribers"], None),
    "middleware-records": ("listeners", "listener-leak", ["web", "router", "stack"], None),
    "subscriber-bus": ("listeners", "listener-leak", ["events", "bus", "subscribers"],
                       "Function"),
    "handler-map": ("listeners", "listener-leak", ["realtime", "hub", "handlers"], "Function"),
    "linked-jobs": ("queues", "unbounded-queue", ["dispatcher", "queue"], "JobNode"),
    "slow-consumer": ("queues", "unbounded-queue", ["workers", "q", "pending"], None),
    "string-log": ("queues", "unbounded-queue", ["logger", "lines"], None),
    "buffer-chunks": ("queues", "unbounded-queue", ["uplink", "backlog"], "Buffer"),
    "number-samples": ("queues", "unbounded-queue", ["stats", "latencies"], "(number)"),
    "tuple-series": ("queues", "unbounded-queue", ["metrics", "points"], "Array"),
    "per-user-history": ("queues", "unbounded-queue", ["activity", "history"], None),
    "copied-trail": ("queues", "unbounded-queue", ["context", "trail"], None),
    "worker-thunks": ("queues", "unbounded-queue", ["pool", "pending"], "Function"),
    "class-pool": ("queues", "unbounded-queue", ["workers", "pool", "pending"], "Function"),
    "drained-jobs": ("queues", "unbounded-queue", ["backlog", "jobs", "list"], "Function"),
    "retry-records": ("queues", "unbounded-queue", ["retries", "pending"], None),
    "bounded": ("controls", None, None, None),
    "lifecycle": ("controls", None, None, None),
    "static-large": ("controls", None, None, None),
    "clean-server": ("controls", None, None, None),
    "module-state": ("controls", None, None, None),
    "unsubscribing-bus": ("controls", None, None, None),
    "unsubscribing-hub": ("controls", None, None, None),
    "abort-timeouts": ("controls", None, None, None),
    "old-tree": ("controls", None, None, None),
    "fixed-ring": ("controls", None, None, None),
}
LEAKS = sorted(s for s, v in SHAPES.items() if v[1] is not None)
CONTROLS = sorted(s for s, v in SHAPES.items() if v[1] is None)
# Told apart from a registry of callbacks only by the series (its first jobs are gone from the
# last snapshot): one snapshot of a class keeping nothing but an array of closures (or of
# records of a callback and a counter) is ambiguous.
SERIES_ONLY = {"drained-jobs", "retry-records", "abort-any", "thousands-of-abort-listeners",
               "shared-verdicts"}


def _write_shape(shape: str, out: Path) -> None:
    program = PROGRAMS / f"{SHAPES[shape][0]}.js"
    done = subprocess.run([node_binary(), "--expose-gc", "--no-warnings", str(program), shape,
                           str(out)], timeout=120, capture_output=True, text=True)
    assert done.returncode == 0, f"{shape}: {done.stderr[-2000:]}"


@pytest.fixture(scope="session")
def shape_series(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[HeapSnapshot]]:
    """Every shape run by Node (two at a time), three snapshots each, loaded once."""
    out = tmp_path_factory.mktemp("suspect-shapes")
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda shape: _write_shape(shape, out), SHAPES))
    return {shape: load_series(list(out.glob(f"{shape}-*.heapsnapshot"))) for shape in SHAPES}


@pytest.mark.parametrize("shape", LEAKS)
def test_leak_shape_is_named_after_its_pattern_with_its_holder(
    shape: str, shape_series: dict[str, list[HeapSnapshot]],
) -> None:
    _, pattern, tail, item_class = SHAPES[shape]
    snaps = shape_series[shape]
    assert len(snaps) == 3
    suspects = find_suspects(snaps)
    assert suspects, f"nothing found for {shape}"
    top = suspects[0]
    assert top.pattern == pattern, summary(suspects)
    assert top.severity == "high", summary(suspects)
    if tail is not None:
        assert top.holder_path[-len(tail):] == tail, top.holder_path
    if item_class is not None:
        assert top.item_class == item_class
    assert top.item_counts[0] < top.item_counts[1] < top.item_counts[2]
    assert top.retained_size > 0 and top.evidence and top.advice
    assert top.retains or top.item_class == "(number)"  # numbers live inside their array
    json.dumps(top.to_json())


def test_every_series_with_older_snapshots_kept_lean_has_the_same_suspects(
    shape_series: dict[str, list[HeapSnapshot]],
    sample_series: dict[str, list[HeapSnapshot]],
) -> None:
    """What `report A B C` does (older snapshots lean, with their summaries) finds exactly
    the suspects of the all-full series, on every shape and sample (leaks and controls)."""
    every = {**shape_series, **{f"sample {k}": v for k, v in sample_series.items()}}
    for name, snaps in every.items():
        assert len(snaps) >= 2, name
        lean = [LeanSnapshot.of(s) for s in snaps[:-1]]
        assert [s.to_json() for s in find_suspects([*lean, snaps[-1]])] == [
            s.to_json() for s in find_suspects(snaps)], name


def test_classes_of_equal_size_a_suspect_keeps_are_listed_by_name_whatever_the_layout(
    shape_series: dict[str, list[HeapSnapshot]], tmp_path: Path,
) -> None:
    # Requests kept in a Map: each keeps its Socket and its ServerResponse, of equal retained
    # size, and the fifth class listed was whichever V8's layout met first.
    snaps = shape_series["context-map"]
    shown = []
    for first in (("Socket", "ServerResponse"), ("ServerResponse", "Socket")):
        (tmp_path / first[0]).mkdir()
        series = load_series([named_first(Path(s.path), tmp_path / first[0] / Path(s.path).name,
                                          *first) for s in snaps])
        top = find_suspects(series)[0]
        with series[-1].holding_dominator_tree():
            more = retained_classes(series[-1], top.retains_from, top=len(top.retains) + 1)
        sizes = {c["class"]: c["retained_size"] for c in more}
        assert sizes["ServerResponse"] == sizes["Socket"], more  # the tie this is about
        shown.append([c["class"] for c in top.retains])
    assert shown[0] == shown[1] and shown[0][-1] == "ServerResponse", shown


def test_a_linked_list_keeps_what_its_head_keeps_whichever_end_v8_laid_out_first(
    shape_series: dict[str, list[HeapSnapshot]], tmp_path: Path,
) -> None:
    # `queue.first` and `queue.last` are equally near a root: the chain's node nearest to one
    # was the first of the two in V8's layout, and with the last, the suspect kept one job.
    snaps = shape_series["linked-jobs"]
    last = snaps[-1]
    nodes = [int(n) for c, name in enumerate(last.class_names) if name == "JobNode"
             for n in last.instances(c)]
    ends = {last.path_names(n)[-1]: int(last.node_id[n]) for n in nodes
            if last.path_names(n)[-2:-1] == ["queue"]}
    kept = []
    for first in ("first", "last"):
        other = "last" if first == "first" else "first"
        (tmp_path / first).mkdir()
        series = load_series([ids_first(Path(s.path), tmp_path / first / Path(s.path).name,
                                        ends[first], ends[other]) for s in snaps])
        [top] = [s for s in find_suspects(series) if s.item_class == "JobNode"]
        kept.append(top.retains)
    assert kept[0] == kept[1] and kept[0][0]["class"] == "JobNode", kept
    assert int(kept[0][0]["count"]) > 800, kept  # type: ignore[call-overload]


def test_state_of_nodes_own_module_is_named_by_that_module(
    shape_series: dict[str, list[HeapSnapshot]],
) -> None:
    # Node 20 keeps composite signals with an abort listener in a Set of its own module: the
    # title names the variable and the module (what an issue about it would say), not the
    # scope chain it is reached through (`AbortController.{context}.{previous}`).
    top = find_suspects(shape_series["abort-any"])[0]
    assert f"Set gcPersistentSignals in node:internal/abort_controller @{top.holder_id}" in (
        top.title), top.title
    assert "{previous}" not in top.title


@pytest.mark.parametrize("shape", ["thousands-of-abort-listeners", "per-id-event-pairs"])
def test_listener_counts_in_evidence_and_keeps_alive_are_of_every_listener(
    shape: str, shape_series: dict[str, list[HeapSnapshot]],
) -> None:
    # 2,605 'abort' listeners, each over a context of its own: "2,000 are instances of" and
    # "keeps alive: 2,000 system / Context" were the counts of a sample read as the whole's.
    top = find_suspects(shape_series[shape])[0]
    assert top.pattern == "listener-leak", summary([top])
    assert top.item_nodes.size == top.item_count
    [about] = [e for e in top.evidence if e.startswith("listeners: ")]
    assert about.startswith(f"listeners: {top.item_count:,} are instances of function"), about
    if shape == "thousands-of-abort-listeners":
        assert top.item_count > 2600, top.item_counts
        contexts = [c for c in top.retains if c["class"] == "system / Context"]
        assert contexts and contexts[0]["count"] == top.item_count, top.retains


def test_requests_kept_in_a_map_by_string_id_are_counted_once_per_entry(
    shape_series: dict[str, list[HeapSnapshot]],
) -> None:
    # 2,605 contexts keyed by 'req-N': a sample of keys and values together counted each
    # entry's key as an entry holding no request, and the title said 1,302.
    top = find_suspects(shape_series["thousands-of-contexts"])[0]
    assert top.pattern == "per-request-retention" and top.item_count == 2_605, summary([top])
    assert top.title.startswith("2,605 IncomingMessage objects kept in Map"), top.title
    assert "2,000 of 2,000 sampled entries (of 2,605) hold an IncomingMessage" in (
        top.evidence[0]), top.evidence


def test_a_collection_replaced_at_its_field_is_not_called_the_same_object(
    shape_series: dict[str, list[HeapSnapshot]],
) -> None:
    # `trail = trail.concat([entry])`: a new array in every snapshot, followed by its place.
    top = find_suspects(shape_series["copied-trail"])[0]
    [counts] = [e for e in top.evidence if " per snapshot: " in e]
    assert "same object" not in counts, counts
    assert counts.endswith(f"(@{top.holder_id}, and before it the collections it replaced at "
                           "the same field)"), counts


def test_nodes_lists_of_timers_by_delay_are_not_reported_as_collections(
    shape_series: dict[str, list[HeapSnapshot]],
) -> None:
    # Retries with jitter: one of Node's TimersLists per distinct delay. Its map of them and
    # its priority queue of them grew too, and were "also seen as unbounded-queue at Array
    # (timerListQueue["#heap"]): 604 TimersList", or the holder was one list of the 600.
    found = find_suspects(shape_series["jittered-retries"])
    assert [s.pattern for s in found] == ["timer-leak"], summary(found)
    assert not [e for e in found[0].evidence if "TimersList" in e], found[0].evidence
    assert found[0].holder_class != "TimersList", found[0].holder_path_text


def test_what_hangs_off_the_process_object_is_named_from_process_not_nodes_bootstrap(
    shape_series: dict[str, list[HeapSnapshot]],
) -> None:
    # `globalThis.process` is a getter over a variable of node:internal/bootstrap/node: the
    # title said "Map _process.lookupCache in node:internal/bootstrap/node".
    top = find_suspects(shape_series["process-cache"])[0]
    assert top.title.startswith("Map process.lookupCache "), top.title
    assert "node:internal" not in top.title, top.title


def test_a_huge_maps_shared_values_are_counted_as_a_sample_of_its_keys(
    shape_series: dict[str, list[HeapSnapshot]],
) -> None:
    # 28,020 keys over three verdicts: the table is decoded only in part, and the evidence
    # said "25,000 keys share only 3 distinct values" of a Map of 28,020.
    top = find_suspects(shape_series["shared-verdicts"])[0]
    assert top.pattern == "high-cardinality-key" and top.item_count == 28_020, summary([top])
    [shared] = [e for e in top.evidence if "distinct values" in e]
    assert "sampled keys (of 28,020) share only 3 distinct values" in shared, shared


@pytest.mark.parametrize("shape", [s for s in LEAKS if s not in SERIES_ONLY])
def test_leak_shape_last_snapshot_alone_ranks_the_pattern_first(
    shape: str, shape_series: dict[str, list[HeapSnapshot]],
) -> None:
    suspects = find_suspects(shape_series[shape][-1:])
    assert suspects and suspects[0].pattern == SHAPES[shape][1], summary(suspects)
    assert suspects[0].severity != "high"  # hundreds, not thousands: no growth seen, no high
    assert suspects[0].item_counts == [suspects[0].item_count]


@pytest.mark.parametrize("shape", ["object-set", "ip-agent", "socket-set", "store-subclass",
                                   "client-heartbeat", "hook-object", "slow-consumer"])
def test_two_snapshots_show_growth_but_not_enough_for_high(
    shape: str, shape_series: dict[str, list[HeapSnapshot]],
) -> None:
    suspects = find_suspects(shape_series[shape][1:])
    assert suspects and suspects[0].pattern == SHAPES[shape][1], summary(suspects)
    assert suspects[0].severity == "medium"
    assert len(suspects[0].item_counts) == 2


@pytest.mark.parametrize("shape", CONTROLS)
def test_programs_that_do_not_leak_raise_nothing_high(
    shape: str, shape_series: dict[str, list[HeapSnapshot]],
) -> None:
    snaps = shape_series[shape]
    assert not find_suspects(snaps), summary(find_suspects(snaps))
    assert not [s for s in find_suspects(snaps[-1:]) if s.severity == "high"]


def test_timeouts_node_arms_for_its_own_apis_are_low_in_one_snapshot(
    shape_series: dict[str, list[HeapSnapshot]],
) -> None:
    # AbortSignal.timeout per call: the last snapshot holds the timeouts of the calls made
    # within the last 30 s, a count that says "load", not "leak".
    found = find_suspects(shape_series["abort-timeouts"][-1:])
    assert found and all(s.severity == "low" for s in found), summary(found)
    timers = [s for s in found if s.pattern == "timer-leak"]
    assert timers and "node:internal/abort_controller:" in timers[0].title, summary(found)


def test_timer_groups_name_the_callback_and_count_intervals(
    shape_series: dict[str, list[HeapSnapshot]],
) -> None:
    top = find_suspects(shape_series["bound-poller"])[0]
    assert "bound poll" in top.title and "setInterval" in top.title
    assert top.item_counts == [5, 305, 605]
    assert "never cleared" in top.title
    retry = find_suspects(shape_series["retry-forever"])[0]
    # Timeouts still linked have not fired yet: a long delay per request, or a loop that
    # reschedules itself; the title says pending, not that someone forgot to clear them.
    assert "pending setTimeout" in retry.title and "never cleared" not in retry.title


def test_one_suspect_per_leak_not_one_per_object_it_holds(
    shape_series: dict[str, list[HeapSnapshot]],
) -> None:
    # The arrays captured by leaking closures are new in each snapshot, not growing queues;
    # the per-user arrays are explained by the Map holding them; the Map of interval handles
    # by the timers; the growing per-tenant Maps by the Map of tenants; the listeners of
    # several events of one emitter (once() adds 'error' ones) by the emitter.
    for shape in ("validator-map", "hook-object", "shared-scope", "per-user-history",
                  "handles-map", "tenant-maps", "once-promises", "worker-thunks"):
        assert len(find_suspects(shape_series[shape])) == 1, shape


# ---------------------------------------------------------------- rules
def test_severity_needs_steady_growth_over_three_snapshots_for_high() -> None:
    assert severity_from([10, 500, 1000], 3) == "high"
    assert severity_from([10, 500], 2) == "medium"
    assert severity_from([500, 500, 500], 3) == "low"
    assert severity_from([1000, 1001, 1003], 3) == "low"  # noise, not growth
    assert severity_from([5], 1, face_value=True) == "high"


def test_a_collection_made_full_between_snapshots_is_not_growing() -> None:
    assert grows([0, 1500, 1500], 10) is False
    assert grows([20, 420, 820], 10) is True
    assert grows([300, 300, 300], 10) is False
    assert grows([800, 400, 820], 10) is False


@pytest.mark.parametrize(("key", "unique"), [
    ("10.1.2.3|Mozilla/5.0 (X11)|28333333", True),
    ("3f2b8c1e-9a4d-4f6b-8e2a-1c5d7b9e0f21", True),
    ("/search?q=shoes&ts=1700000000123", True),
    ("2024-05-01T10:22:03.120Z GET /", True),
    ("a9f3c2e4b5d6e7f8a1b2", True),
    ("user-42", False),
    ("sku1234", False),
    ("en-US", False),
    ("settings:theme", False),
])
def test_key_shapes_that_never_repeat(key: str, unique: bool) -> None:
    assert (unique_part(key) is not None) is unique


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_and_markdown_reports_present_what_the_json_holds(fmt: str) -> None:
    paths = [str(p) for p in sorted((SAMPLES / "listener-leak").glob("*.heapsnapshot.gz"))]

    def report(*args: str) -> str:
        res = subprocess.run([sys.executable, "-m", "leaktui.cli", "report", *args, *paths],
                             capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stderr
        return res.stdout

    top = json.loads(report("--format", "json"))["suspects"][0]
    out = report("--format", fmt)
    assert out.index(top["title"]) < out.index("Growth (snapshot")  # suspects come first
    section = out[out.index(top["title"]):]
    holder = top["holder"]
    for expected in (f"{holder['class']} @{holder['id']}", holder["path_text"],
                     f"{top['items']['count']:,} {top['items']['class']}",
                     top["evidence"][0], top["advice"]):
        assert expected in section.split("\n\n")[0], expected


@pytest.mark.parametrize(("series", "defined"), [
    ("listener-leak", "function onPrice("),
    ("timer-leak", "setInterval(() =>"),
])
def test_callbacks_are_named_with_the_file_and_line_they_are_defined_at(
    series: str, defined: str, sample_series: dict[str, list[HeapSnapshot]],
) -> None:
    program = SAMPLES / "programs" / f"{series}.js"
    line = next(i for i, text in enumerate(program.read_text().splitlines(), 1)
                if defined in text)
    evidence = " ".join(find_suspects(sample_series[series])[0].evidence)
    # The samples were written from another checkout: the script is named by its path there.
    assert f"/snapshots_sample/programs/{series}.js, line {line})" in evidence, evidence


def test_a_module_state_object_holding_most_of_the_heap_is_no_cache(
    shape_series: dict[str, list[HeapSnapshot]],
) -> None:
    """A plain object with two dozen named fields is how modules keep their state: however
    much it holds, one snapshot of it is not a medium unbounded-cache suspect."""
    snap = shape_series["module-state"][-1]
    state = [s for s in find_suspects([snap]) if s.holder_path[-2:] == ["app", "state"]]
    assert all(s.severity == "low" for s in state), summary(state)


@pytest.mark.parametrize(("series", "fail_on", "status"), [
    ("unbounded-cache", "high", 1), ("unbounded-cache", "medium", 1),
    ("control-no-leak", "high", 0), ("control-no-leak", None, 0), ("unbounded-cache", None, 0),
])
def test_report_fail_on_exits_1_for_scripts_when_a_suspect_is_that_severe(
    series: str, fail_on: str | None, status: int,
) -> None:
    paths = [str(p) for p in sorted((SAMPLES / series).glob("*.heapsnapshot.gz"))]
    flags = ["--fail-on", fail_on] if fail_on else []
    res = subprocess.run([sys.executable, "-m", "leaktui.cli", "report", "--format", "json",
                          *flags, *paths], capture_output=True, text=True, timeout=300)
    assert res.returncode == status, res.stderr
    assert json.loads(res.stdout)["snapshots"]  # the report is printed either way


def test_a_cache_kept_in_a_map_is_named_by_its_key(tmp_path: Path) -> None:
    """`caches.get('users')` in the title, not the slot of the Map's hash table it sits in
    (the JSON path keeps DevTools' edge names: table, slot)."""
    program = (
        "const v8 = require('v8');"
        "const caches = new Map([['users', new Map()], ['orders', new Map()]]);"
        "globalThis.registry = { caches }; let k = 0;"
        "for (const [i, n] of [[1, 10], [2, 300], [3, 300]]) {"
        "  for (let j = 0; j < n; j++, k++)"
        "    caches.get('users').set('u' + k, { k, blob: 'x'.repeat(64) });"
        f"  global.gc(); v8.writeHeapSnapshot({str(tmp_path)!r} + '/caches-' + i +"
        "   '.heapsnapshot'); }")
    subprocess.run([node_binary(), "--expose-gc", "-e", program], check=True, timeout=120)
    top = find_suspects(load_series(list(tmp_path.glob("caches-*.heapsnapshot"))))[0]
    assert top.pattern == "unbounded-cache" and top.severity == "high"
    assert "Map registry.caches.get('users') only grows" in top.title, top.title
    assert top.holder_path[:3] == ["registry", "caches", "table"]


def _series_of(tmp_path: Path, name: str, program: str) -> list[HeapSnapshot]:
    """Runs ``program`` (it defines `step(k)`) in three rounds of 20, 400 and 400, writing a
    snapshot after each (after a GC), and loads them oldest first."""
    script = (
        "const v8 = require('v8'); const { EventEmitter } = require('events');"
        + program
        + "for (const [i, k] of [[1, 20], [2, 400], [3, 400]]) { step(k); global.gc();"
        f"  v8.writeHeapSnapshot({str(tmp_path)!r} + '/{name}-' + i + '.heapsnapshot'); }}")
    subprocess.run([node_binary(), "--expose-gc", "-e", script], check=True, timeout=120)
    return load_series(list(tmp_path.glob(f"{name}-*.heapsnapshot")))


def test_loggers_made_per_request_are_one_listener_leak_whose_title_says_megabytes(
    tmp_path: Path,
) -> None:
    """Each request makes a logger that adds an 'error' listener to a shared stream; the
    loggers are also kept in a list of recent ones, so the listener array dominates almost
    nothing (a few kB): the title gives what grew, megabytes, and the list of loggers is the
    same leak, not a second suspect."""
    snaps = _series_of(tmp_path, "loggers", (
        "const stream = new EventEmitter(); stream.setMaxListeners(0);"
        "globalThis.app = { stream, recent: [] }; let n = 0;"
        "class Logger { constructor(id) { this.id = id; this.lines = [];"
        "  for (let j = 0; j < 20; j++) this.lines.push({ j, text: 'line '.repeat(40) + id });"
        "  stream.on('error', (e) => this.lines.push(e)); } }"
        "function step(k) { for (let i = 0; i < k; i++) app.recent.push(new Logger(n++)); }"))
    found = find_suspects(snaps)
    growth = int(snaps[-1].total_size) - int(snaps[0].total_size)
    assert len([s for s in found if s.severity == "high"]) == 1, summary(found)
    top = found[0]
    assert top.pattern == "listener-leak", summary(found)
    assert top.retained_size < top.grown_size / 10  # DevTools' arithmetic: tiny
    assert top.grown_size >= growth / 2, (top.grown_size, growth)
    assert " MB" in top.title and "app.stream" in top.title, top.title
    assert any("also seen as unbounded-queue" in e for e in top.evidence), top.evidence
    data = top.to_json()
    assert data["grown_size"] == top.grown_size and data["shared_with"] == []


def test_a_suspect_alone_reaches_what_its_items_own_not_the_shared_service(
    tmp_path: Path,
) -> None:
    """One snapshot: nothing is new, so `grown_size` is what the items reach and own; a
    pointer from every item back to the service (old, shared) is not followed into it."""
    snaps = _series_of(tmp_path, "backrefs", (
        "const service = { config: { blob: 'c'.repeat(500000) }, jobs: [] };"
        "globalThis.service = service; let n = 0;"
        "function step(k) { for (let i = 0; i < k; i++, n++)"
        "  service.jobs.push({ n, service, body: 'job '.repeat(30) + n }); }"))
    top = find_suspects(snaps[-1:])[0]
    assert top.holder_path[-2:] == ["service", "jobs"], summary([top])
    assert top.grown_size < 500_000, top.grown_size  # the config string is not the jobs'
    assert top.grown_size >= top.retained_size // 2


# Kept in several structures (ajv keeps a compiled schema in several), merged as one suspect:
# the lead and the holder that names it, and the others its evidence lists.
ALIKE_STRUCTURES = {
    "four-structures": (
        "globalThis.validation = { compiled: new Map(), names: new Map(), ids: new Map(),"
        "  schemas: [] }; let n = 0;"
        "function step(k) { for (let i = 0; i < k; i++, n++) {"
        "  const schema = { n, body: 'schema '.repeat(40) + n };"
        "  validation.compiled.set('s' + n, { schema, code: 'c'.repeat(200) + n });"
        "  validation.names.set('v' + n, { schema }); validation.ids.set('i' + n, { schema });"
        "  validation.schemas.push(schema); } }", 3),
    "two-maps-alike": (
        "globalThis.validation = { names: new Map(), ids: new Map() }; let n = 0;"
        "function step(k) { for (let i = 0; i < k; i++, n++) {"
        "  const schema = { n, body: 'schema '.repeat(40) + n };"
        "  validation.names.set('v' + n, { schema }); validation.ids.set('i' + n, { schema });"
        "} }", 1),
}


@pytest.mark.parametrize("name", sorted(ALIKE_STRUCTURES))
def test_a_leak_seen_in_several_structures_reads_the_same_whatever_order_v8_laid_the_heap_in(
    tmp_path: Path, name: str,
) -> None:
    """The detectors meet the structures in the order V8 laid them out in the heap, which
    changes between runs: ajv's two Maps were listed one way in one run and the other way in
    the next, and of two Maps alike in all but their names either named the leak. The same
    series with its objects laid out in reverse gives the same suspects, word for word."""
    program, others = ALIKE_STRUCTURES[name]
    snaps = _series_of(tmp_path, name, program)
    (tmp_path / "reversed").mkdir()
    reversed_snaps = load_series([
        reversed_layout(Path(s.path), tmp_path / "reversed" / Path(s.path).name) for s in snaps])
    found = find_suspects(snaps)
    assert len([e for e in found[0].evidence if "also seen as" in e]) == others, found[0].evidence
    assert [s.to_json() for s in find_suspects(reversed_snaps)] == [s.to_json() for s in found]


def test_two_leaks_that_reach_some_of_the_same_new_objects_say_so(tmp_path: Path) -> None:
    """A session cache and an audit log both keep each request's user: two leaks (each keeps
    much of its own), sharing the users: each lists the other in `shared_with`."""
    snaps = _series_of(tmp_path, "shared", (
        "globalThis.app = { sessions: new Map(), audit: [] }; let n = 0;"
        "function step(k) { for (let i = 0; i < k; i++, n++) {"
        "  const user = { n, name: 'name '.repeat(40) + n };"
        "  app.sessions.set('s' + n, { user, token: 't'.repeat(300) + n });"
        "  app.audit.push({ user, note: 'note '.repeat(120) + n }); } }"))
    found = find_suspects(snaps)
    by_holder = {tuple(s.holder_path[-2:]): i for i, s in enumerate(found)}
    cache, log = by_holder[("app", "sessions")], by_holder[("app", "audit")]
    assert found[cache].shared_with == [log] and found[log].shared_with == [cache], summary(found)
    assert {found[cache].pattern, found[log].pattern} == {"unbounded-cache", "unbounded-queue"}


# ---------------------------------------------------------------- numbers that agree
def test_a_sample_is_never_shown_as_the_total(tmp_path: Path) -> None:
    # 2,468 finished requests in a Map: the detector looks at a sample of 2,000 of them.
    out = tmp_path / "many"
    out.mkdir()
    done = subprocess.run([node_binary(), "--expose-gc", str(ROOT / "tests" / "programs" /
                                                             "many_requests.js"), str(out)],
                          timeout=120, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    top = find_suspects(load_series(list(out.glob("*.heapsnapshot"))))[0]
    assert top.pattern == "per-request-retention" and top.item_count == 2468
    assert "2,468" in top.title
    for line in top.evidence:
        if " of 2,000 " in line:
            assert "sampled" in line and "of 2,000 entries" not in line, line


def test_no_part_of_what_a_suspect_keeps_is_bigger_than_the_whole(
    sample_series: dict[str, list[HeapSnapshot]],
    shape_series: dict[str, list[HeapSnapshot]],
) -> None:
    for name, snaps in [*sample_series.items(), *shape_series.items()]:
        for s in find_suspects(snaps):
            for part in s.retains:
                assert int(part["retained_size"]) <= s.retained_size, (name, s.title, part)  # type: ignore[call-overload]


def test_a_leak_on_several_events_of_equal_counts_is_titled_by_the_first_by_name(
    tmp_path: Path,
) -> None:
    # A stream piped per request gains 'unpipe' and 'error' listeners one for one; V8 lists
    # `_events` in hash order, seeded per process, so "the event with the most listeners"
    # flipped between runs of one program (winston's per-request loggers did). Equal counts:
    # the first by name, whatever the order added.
    snaps = _series_of(tmp_path, "tied", (
        "const out = new EventEmitter(); out.setMaxListeners(0);"
        "globalThis.app = { out }; let n = 0;"
        "function step(k) { for (let i = 0; i < k; i++, n++) {"
        "  const req = { n, body: 'b'.repeat(200) };"
        "  out.on('unpipe', () => req.body); out.on('error', () => req.n); } }"))
    top = find_suspects(snaps)[0]
    assert top.pattern == "listener-leak", summary(find_suspects(snaps))
    assert top.title.startswith("820 'error' listeners on app.out"), top.title
    assert "and listeners on 1 more events" in top.title


@pytest.fixture(scope="module")
def window_series(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[HeapSnapshot]]:
    out = tmp_path_factory.mktemp("windows")
    shapes = ("rotated-window", "middle-shard")
    for shape in shapes:
        done = subprocess.run([node_binary(), "--expose-gc", "--no-warnings",
                               str(PROGRAMS / "windows.js"), shape, str(out)],
                              timeout=120, capture_output=True, text=True)
        assert done.returncode == 0, f"{shape}: {done.stderr[-2000:]}"
    return {shape: load_series(list(out.glob(f"{shape}-*.heapsnapshot"))) for shape in shapes}


def test_a_rolling_window_that_rotated_between_two_snapshots_is_low_at_its_newest_bucket(
    window_series: dict[str, list[HeapSnapshot]],
) -> None:
    # opossum-control: its window rotates every second, and a series a second long caught the
    # rotation in some runs and not in others: the bucket that grew was the first of the
    # window (low) or, one new bucket put in front of it, the second (high).
    [found] = find_suspects(window_series["rotated-window"])
    assert found.holder_path[-3:] == ["window", "1", "latencyTimes"], found.holder_path
    assert found.severity == "low", summary([found])
    assert any("1 put in front of it since the previous snapshot" in e
               for e in found.evidence), found.evidence


def test_a_growing_bucket_with_no_bucket_put_in_front_of_it_is_still_high(
    window_series: dict[str, list[HeapSnapshot]],
) -> None:
    [found] = find_suspects(window_series["middle-shard"])
    assert found.holder_path[-3:] == ["shards", "3", "latencyTimes"], found.holder_path
    assert found.severity == "high", summary([found])

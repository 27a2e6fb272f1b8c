"""A page of an object's retainers is the start of DevTools' whole Retainers order (the one
the golden tests check), with the total: an object held by thousands at several distances,
by plain objects (named by their properties), by instances of a class and by arrays."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_paths import snapshot_of

from leaktui.snapshot import HeapSnapshot

PROGRAM = """
class Holder { constructor(ref, i) { this.ref = ref; this.i = i; } }
const shared = global.shared = new (class Shared {})();
global.near = { ref: shared };
global.holders = Array.from({ length: 3000 }, (_, i) => new Holder(shared, i));
global.plain = Array.from({ length: 1500 }, (_, i) => (i % 2 ? { ref: shared, b: i }
                                                           : { ref: shared, a: i }));
let deep = global.deep = {};
for (let i = 0; i < 5; i++) deep = deep.next = { ref: shared };
global.lists = Array.from({ length: 200 }, () => [shared, shared]);
"""


@pytest.fixture(scope="module")
def held(tmp_path_factory: pytest.TempPathFactory) -> tuple[HeapSnapshot, int]:
    snap = snapshot_of(tmp_path_factory.mktemp("pages"), "shared", PROGRAM)
    row = next(r for r in snap.summary() if r.name == "Shared")
    shared = int(snap.class_members(row.class_id)[0])
    return snap, shared


def test_a_page_of_retainers_is_the_start_of_the_whole_order_with_the_total(
        held: tuple[HeapSnapshot, int]) -> None:
    snap, shared = held
    everything = snap.retainers(shared)
    assert len(everything) > 3000 + 1500 + 400
    distances = {int(snap.distance[src]) for _, src in everything}
    assert len(distances) > 3  # ties at the page's edge fall on different distances
    for limit in (0, 1, 2, 49, 50, 51, 200, 3001, len(everything) - 1, len(everything),
                  len(everything) + 10):
        page, total = snap.first_retainers(shared, limit)
        assert total == len(everything)
        assert page == everything[:limit], limit


def test_retainers_with_equal_names_keep_their_slot_order_within_a_page(
        held: tuple[HeapSnapshot, int]) -> None:
    snap, shared = held
    page, _ = snap.first_retainers(shared, 400)
    keys = [(int(snap.distance[src]), snap.name(src)) for _, src in page]
    assert keys == sorted(keys)
    slots = {e: i for i, e in enumerate(snap.retaining_edges[snap.retainer_slots(shared).start:
                                                             snap.retainer_slots(shared).stop]
                                        .tolist())}
    for (e1, s1), (e2, s2) in zip(page, page[1:], strict=False):
        if (snap.distance[s1], snap.name(s1)) == (snap.distance[s2], snap.name(s2)):
            assert slots[e1] < slots[e2]


def test_every_retainer_page_of_a_sample_snapshot_equals_the_whole_order() -> None:
    from leaktui.snapshot import load_snapshot

    root = Path(__file__).resolve().parents[1]
    snap = load_snapshot(str(root / "snapshots_sample/unbounded-cache/"
                                    "unbounded-cache-3.heapsnapshot.gz"))
    counts = snap.first_retainer[1:].astype(int) - snap.first_retainer[:-1].astype(int)
    for node in sorted(range(snap.node_count), key=lambda n: -counts[n])[:40]:
        everything = snap.retainers(node)
        for limit in (1, 50, 100):
            assert snap.first_retainers(node, limit) == (everything[:limit], len(everything))


def test_string_order_keys_never_contradict_the_order_of_the_texts() -> None:
    """The keys a page of retainers is cut on before names are decoded: escaped, non-ASCII,
    astral, lone-surrogate, NUL-holding and prefix-sharing texts, read from raw JSON bytes."""
    import json

    import numpy as np

    from leaktui.snapshot.strings import StringTable

    texts = ["", "a", "a\u0000", "a\u0000b", "ab", "abcdefgh", "abcdefghi", "abcdefgg~",
             "Z", "{a, b}", "é", "e\u0301", "\u00ff", "\u0100", "\ud800", "\udfff", "\ue000",
             "\U0001f600", "tab\there", 'quote"d', "back\\slash", "line\nbreak", "~", "\x7f",
             "user-1460000", "user-1460001", "user-146", "日本語", "日本"]
    # As V8 writes them: UTF-8, lone surrogates as \u escapes.
    spelled = [json.dumps(t, ensure_ascii=any(0xD800 <= ord(c) <= 0xDFFF for c in t))
               for t in texts]
    table = StringTable(("[" + ",".join(spelled) + "]").encode())
    assert list(table) == texts
    keys = table.order_keys(np.arange(len(texts)))
    by_text = sorted(range(len(texts)), key=lambda i: texts[i])
    assert all(keys[a] <= keys[b] for a, b in zip(by_text, by_text[1:], strict=False))
    assert len(set(keys.tolist())) > len(texts) // 2  # they do tell texts apart


def test_sources_found_by_galloping_are_those_a_binary_search_finds() -> None:
    """`kernels.sources_from` (each edge's node searched from the previous one's, either way)
    gives `sources_of_edges`' answers for edges in any order, nodes without edges included,
    with 32- and 64-bit offsets."""
    import numpy as np

    from leaktui.snapshot import kernels as k
    from leaktui.snapshot.objects import sources_of_edges

    rng = np.random.default_rng(11)
    lengths = rng.integers(0, 4, 5000)
    lengths[rng.choice(5000, 1000, replace=False)] = 0
    lengths[:3] = 0  # leading nodes without edges
    first_edge = np.concatenate([[0], np.cumsum(lengths)]).astype(np.uint32)
    edges = np.arange(int(first_edge[-1]), dtype=np.int64)
    for keys in (edges, edges[::-1].copy(), rng.permutation(edges), edges[:1], edges[-1:],
                 edges[:0]):
        expected = sources_of_edges(first_edge, keys)
        assert np.array_equal(k.sources_from(first_edge, keys), expected)
        assert np.array_equal(k.sources_from(first_edge.astype(np.int64), keys), expected)

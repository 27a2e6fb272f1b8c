"""`unbounded-cache`: a Map, Set or object used as a dictionary that only grows: entries are
added and never evicted."""

from __future__ import annotations

from leaktui.suspects.base import (
    Series,
    Suspect,
    counts_evidence,
    explained_by_callbacks,
    holder_label,
    make_suspect,
    severity_from,
)
from leaktui.suspects.containers import containers, is_big, worth_reporting
from leaktui.units import format_size

PATTERN = "unbounded-cache"


def detect(series: Series) -> list[Suspect]:
    snap = series.last
    out = []
    for c in containers(series):
        if c.grows_as == "array" or series.is_claimed(c.node) or not worth_reporting(series, c):
            continue
        retained = int(snap.retained_size[c.node])
        evidence = []
        if series.size > 1:
            evidence.append(counts_evidence(c.counts, "entries", int(snap.node_id[c.node])))
            evidence.append("retained: " + " -> ".join(format_size(s) for s in c.sizes))
            if all(b > a for a, b in zip(c.counts, c.counts[1:], strict=False)):
                evidence.append("no snapshot shows an eviction: the entry count never drops")
        else:
            evidence.append(f"{c.count:,} entries in one snapshot")
        severity = severity_from(c.counts[c.born:], series.size - c.born,
                                 big=is_big(series, c), min_step=c.step)
        severity = explained_by_callbacks(series, c.entries.values, severity, evidence)
        verb = "only grows" if series.size > 1 else "is large"
        inside = f" in its member {c.nested}s" if c.nested else ""
        title = (f"{holder_label(series, c.node)} {verb}: {c.count:,} entries of "
                 f"{c.item_class}{inside} hold {format_size(retained)}")
        if c.nested:
            evidence.insert(0, f"the {c.nested}s it holds keep growing while its own entry "
                            "count stays flat")
        advice = ("Bound the cache: an LRU with a maximum size and/or a TTL on entries (or a "
                  "WeakMap keyed by the owning object), and delete entries when what they "
                  "describe goes away.")
        out.append(make_suspect(series, PATTERN, severity, title, c.node, c.item_class,
                                c.counts, retained, evidence, advice, c.sizes,
                                item_nodes=c.entries.values))
        series.claim(c.node)
    return out

"""`unbounded-cache`: a Map, Set or object used as a dictionary that only grows: entries are
added and never evicted."""

from __future__ import annotations

from leaktui.suspects.base import (
    SIZE_MARK,
    Series,
    Suspect,
    holder_label,
)
from leaktui.suspects.containers import (
    container_severity,
    container_suspect,
    containers,
    growth_evidence,
    index_owner,
    worth_reporting,
)

PATTERN = "unbounded-cache"
ADVICE = ("Bound the cache: an LRU with a maximum size and/or a TTL on entries (or a WeakMap "
          "keyed by the owning object), and delete entries when what they describe goes away.")


def detect(series: Series) -> list[Suspect]:
    snap = series.last
    out = []
    for c in containers(series):
        if c.grows_as == "array" or series.is_claimed(c.node) or not worth_reporting(series, c):
            continue
        evidence = growth_evidence(series, c, "entries")
        if series.size > 1:
            if all(b > a for a, b in zip(c.counts, c.counts[1:], strict=False)):
                evidence.append("no snapshot shows an eviction: the entry count never drops")
        else:
            evidence.append(f"{c.count:,} entries in one snapshot")
        severity = container_severity(series, c, evidence)
        verb = "only grows" if series.size > 1 else "is large"
        inside = f" in its member {c.nested}s" if c.nested else ""
        owner = index_owner(series, c)
        if owner >= 0:
            evidence.insert(0, f"its Map indexes the keys (its values are slots, not objects); "
                            f"the values are kept beside it in {snap.class_name(owner)} "
                            f"@{int(snap.node_id[owner])}: one cache")
        of = f" of {c.item_class}" if c.item_class != "-" else ""
        title = (f"{holder_label(series, c.node if owner < 0 else owner)} {verb}: "
                 f"{c.count:,} entries{of}{inside} hold {SIZE_MARK}")
        if c.nested and series.size > 1:
            evidence.insert(0, f"the {c.nested}s it holds keep growing while its own entry "
                            "count stays flat")
        elif c.nested:
            evidence.insert(0, f"the {c.nested}s it holds have {c.count:,} entries between "
                            "them, many more than its own")
        advice = ADVICE
        out.append(container_suspect(series, c, PATTERN, severity, title, evidence, advice,
                                       holder=owner if owner >= 0 else None))
    return out

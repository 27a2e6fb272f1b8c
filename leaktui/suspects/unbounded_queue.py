"""`unbounded-queue`: arrays used as queues, buffers or logs that only grow (push without a
matching shift, flush or bound)."""

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

PATTERN = "unbounded-queue"


def detect(series: Series) -> list[Suspect]:
    snap = series.last
    out = []
    for c in containers(series):
        if c.grows_as != "array" or series.is_claimed(c.node) or not worth_reporting(series, c):
            continue
        retained = int(snap.retained_size[c.node])
        unit = "slots" if c.entries.numeric else "items"
        evidence = []
        if c.entries.numeric:
            evidence.append("an array of plain numbers: counted by the capacity of its "
                            "backing store")
        if series.size > 1:
            evidence.append(counts_evidence(c.counts, unit, int(snap.node_id[c.node])))
            evidence.append("retained: " + " -> ".join(format_size(s) for s in c.sizes))
        severity = severity_from(c.counts[c.born:], series.size - c.born,
                                 big=is_big(series, c), min_step=c.step)
        severity = explained_by_callbacks(series, c.entries.values, severity, evidence)
        verb = "grew to" if series.size > 1 else "holds"
        inside = " in its member arrays" if c.nested else ""
        title = (f"{holder_label(series, c.node)} {verb} {c.count:,} {c.item_class} {unit}"
                 f"{inside}, holding {format_size(retained)}")
        if c.nested:
            evidence.insert(0, f"the arrays this {c.kind} holds keep growing while its own "
                            "entry count stays flat")
        advice = ("Bound the queue or buffer: cap its length and drop, reject or spill what "
                  "does not fit, apply backpressure to producers, and flush log/metric buffers "
                  "on a size and time trigger (or aggregate samples instead of keeping them).")
        out.append(make_suspect(series, PATTERN, severity, title, c.node, c.item_class,
                                c.counts, retained, evidence, advice, c.sizes,
                                item_nodes=c.entries.values))
        series.claim(c.node)
    return out

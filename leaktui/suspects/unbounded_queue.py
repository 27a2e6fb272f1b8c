"""`unbounded-queue`: arrays used as queues, buffers or logs that only grow (push without a
matching shift, flush or bound)."""

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
    worth_reporting,
)

PATTERN = "unbounded-queue"


def detect(series: Series) -> list[Suspect]:
    out = []
    for c in containers(series):
        if c.grows_as != "array" or series.is_claimed(c.node) or not worth_reporting(series, c):
            continue
        unit = "slots" if c.entries.numeric else "items"
        evidence = []
        if c.entries.numeric:
            evidence.append("an array of plain numbers: counted by the capacity of its "
                            "backing store")
        evidence += growth_evidence(series, c, unit)
        severity = container_severity(series, c, evidence)
        verb = "grew to" if series.size > 1 else "holds"
        inside = " in its member arrays" if c.nested else ""
        title = (f"{holder_label(series, c.node)} {verb} {c.count:,} {c.item_class} {unit}"
                 f"{inside}, holding {SIZE_MARK}")
        if c.nested:
            evidence.insert(0, f"the arrays this {c.kind} holds keep growing while its own "
                            "entry count stays flat")
        advice = ("Bound the queue or buffer: cap its length and drop, reject or spill what "
                  "does not fit, apply backpressure to producers, and flush log/metric buffers "
                  "on a size and time trigger (or aggregate samples instead of keeping them).")
        out.append(container_suspect(series, c, PATTERN, severity, title, evidence, advice))
    return out

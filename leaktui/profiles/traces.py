"""Allocation stacks of tracked snapshots: they live in the core now
(`leaktui.snapshot.traces`); this name stays for the modules that import it from here."""

from leaktui.snapshot.traces import (
    DENSE_ID_SLACK,
    FUNCTION_INFO_FIELDS,
    TRACE_NODE_FIELDS,
    AllocationTraces,
    TraceTree,
    build_trace_tree,
)

__all__ = [
    "DENSE_ID_SLACK",
    "FUNCTION_INFO_FIELDS",
    "TRACE_NODE_FIELDS",
    "AllocationTraces",
    "TraceTree",
    "build_trace_tree",
]

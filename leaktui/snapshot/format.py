"""The `.heapsnapshot` header: msgspec Structs and the checks on its `meta` block."""

from __future__ import annotations

import msgspec

REQUIRED_NODE_FIELDS = ("type", "name", "id", "self_size", "edge_count")
REQUIRED_EDGE_FIELDS = ("type", "name_or_index", "to_node")
MAX_EDGE_TYPES = 126
"""Edge types are uint8 whose top bit marks essential edges while the dominators are computed
(kernels.mark_essential_edges), and leaktui adds one type ("invisible")."""


class Meta(msgspec.Struct, frozen=True):
    node_fields: list[str]
    node_types: list[list[str] | str]
    edge_fields: list[str]
    edge_types: list[list[str] | str]
    location_fields: list[str] = []
    trace_function_info_fields: list[str] = []
    trace_node_fields: list[str] = []
    sample_fields: list[str] = []


class Header(msgspec.Struct, frozen=True):
    meta: Meta
    node_count: int
    edge_count: int
    trace_function_count: int = 0
    extra_native_bytes: int = 0
    root_index: int | None = None
    title: str = ""


class Layout(msgspec.Struct, frozen=True):
    """Field positions read from `meta`, never hard-coded."""

    node_fields: int
    node_type: int
    node_name: int
    node_id: int
    node_self_size: int
    node_edge_count: int
    node_trace_node_id: int  # -1 when absent (no allocation tracking)
    node_detachedness: int  # -1 when absent (old snapshots)
    edge_fields: int
    edge_type: int
    edge_name: int
    edge_to: int
    node_type_names: list[str]
    edge_type_names: list[str]
    location_fields: int
    location_object: int
    location_script: int
    location_line: int
    location_column: int


def read_layout(header: Header) -> Layout:
    """Validate `meta` and return the field positions; raises ValueError saying what is wrong."""
    meta = header.meta
    if header.node_count < 0 or header.edge_count < 0:
        raise ValueError("negative node_count or edge_count in the header")
    for name in REQUIRED_NODE_FIELDS:
        if name not in meta.node_fields:
            raise ValueError(f"meta.node_fields lacks {name!r}")
    for name in REQUIRED_EDGE_FIELDS:
        if name not in meta.edge_fields:
            raise ValueError(f"meta.edge_fields lacks {name!r}")
    if len(meta.node_types) != len(meta.node_fields):
        raise ValueError("meta.node_types and meta.node_fields differ in length")
    if len(meta.edge_types) != len(meta.edge_fields):
        raise ValueError("meta.edge_types and meta.edge_fields differ in length")
    node_type = meta.node_fields.index("type")
    edge_type = meta.edge_fields.index("type")
    node_type_names = meta.node_types[node_type]
    edge_type_names = meta.edge_types[edge_type]
    if not isinstance(node_type_names, list) or not node_type_names:
        raise ValueError("meta.node_types has no list of node types")
    if not isinstance(edge_type_names, list) or not edge_type_names:
        raise ValueError("meta.edge_types has no list of edge types")
    if len(edge_type_names) > MAX_EDGE_TYPES:  # V8 writes 7; the top bit of a type is taken
        raise ValueError(f"meta.edge_types lists more than {MAX_EDGE_TYPES} edge types")
    loc = meta.location_fields

    def loc_index(name: str) -> int:
        return loc.index(name) if name in loc else -1

    if loc and any(loc_index(n) < 0 for n in ("object_index", "script_id", "line", "column")):
        raise ValueError("meta.location_fields lacks one of object_index, script_id, line, column")
    return Layout(
        node_fields=len(meta.node_fields),
        node_type=node_type,
        node_name=meta.node_fields.index("name"),
        node_id=meta.node_fields.index("id"),
        node_self_size=meta.node_fields.index("self_size"),
        node_edge_count=meta.node_fields.index("edge_count"),
        node_trace_node_id=(
            meta.node_fields.index("trace_node_id") if "trace_node_id" in meta.node_fields else -1
        ),
        node_detachedness=(
            meta.node_fields.index("detachedness") if "detachedness" in meta.node_fields else -1
        ),
        edge_fields=len(meta.edge_fields),
        edge_type=edge_type,
        edge_name=meta.edge_fields.index("name_or_index"),
        edge_to=meta.edge_fields.index("to_node"),
        node_type_names=list(node_type_names),
        edge_type_names=list(edge_type_names),
        location_fields=len(loc),
        location_object=loc_index("object_index"),
        location_script=loc_index("script_id"),
        location_line=loc_index("line"),
        location_column=loc_index("column"),
    )

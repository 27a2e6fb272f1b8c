"""Types of the compiled graph kernels in kernels.pyx (mypy reads this; Cython builds the .pyx)."""

import numpy as np

NO_DISTANCE: int
BASE_SYSTEM_DISTANCE: int
BASE_UNREACHABLE_DISTANCE: int
FLAG_PAGE_OBJECT: int
FLAG_CAN_BE_QUERIED: int
FLAG_DETACHED_DOM: int
ESSENTIAL_EDGE_BIT: int
RETAINER_ESSENTIAL_BIT: int

def written_zeros(n: int, dtype: type[np.generic] | np.dtype) -> np.ndarray: ...
def build_retainers(
    edge_to: np.ndarray, first_edge: np.ndarray, node_count: int, retaining_nodes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]: ...
def retaining_edges_in_place(
    edge_to: np.ndarray, first_edge: np.ndarray, first_retainer: np.ndarray,
    retaining_edges: np.ndarray,
) -> np.ndarray: ...
def propagate_dom_state(
    node_type: np.ndarray, detachedness: np.ndarray, first_edge: np.ndarray,
    edge_type: np.ndarray, edge_to: np.ndarray, native_type: int, hidden_edge: int,
    weak_edge: int,
) -> np.ndarray: ...
def mark_reachable(
    seeds: np.ndarray, first_edge: np.ndarray, edge_type: np.ndarray, edge_to: np.ndarray,
    skip_types: np.ndarray, flags: np.ndarray, flag: int,
) -> None: ...
def mark_essential_edges(
    first_edge: np.ndarray, edge_type: np.ndarray, edge_name: np.ndarray, edge_to: np.ndarray,
    node_id: np.ndarray, flags: np.ndarray, root: int, internal_edge: int, weak_edge: int,
    shortcut_edge: int, ephemeron_table_of_string: np.ndarray, first_retainer: np.ndarray,
    retaining_nodes: np.ndarray,
) -> None: ...
def clear_essential_bits(edge_type: np.ndarray) -> None: ...
def shallow_size_owners(
    candidate: np.ndarray, first_edge: np.ndarray, edge_type: np.ndarray, edge_to: np.ndarray,
    weak_edge: int,
) -> np.ndarray: ...
def fold_into_owners(
    self_size: np.ndarray, owners: np.ndarray, no_transfer_owner: np.ndarray, start: int,
) -> int: ...
def dominators_and_retained(
    first_edge: np.ndarray, edge_to: np.ndarray, marked_edge_type: np.ndarray,
    first_retainer: np.ndarray, retaining_nodes: np.ndarray, self_size: np.ndarray, root: int,
    scratch_a: np.ndarray, scratch_b: np.ndarray, scratch_c: np.ndarray,
    scratch_d: np.ndarray, wide_retained: bool,
    fresh: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = ...,
) -> tuple[np.ndarray, np.ndarray, int, int]: ...
def dominated_children(
    dominator: np.ndarray, root: int, beside: bool = ...,
) -> tuple[np.ndarray, np.ndarray]: ...
def distances_bfs(
    first_edge: np.ndarray, edge_type: np.ndarray, edge_name: np.ndarray, edge_to: np.ndarray,
    seeds: np.ndarray, root: int, weak_edge: int, internal_edge: int, static_skip: np.ndarray,
    ephemeron_pair_of_string: np.ndarray, ignored: np.ndarray,
    dist_out: np.ndarray | None = None,
) -> np.ndarray: ...
def class_retained_sizes(
    first_child: np.ndarray, children: np.ndarray, class_id: np.ndarray, self_size: np.ndarray,
    retained: np.ndarray, n_classes: int, root: int,
) -> np.ndarray: ...
def shortest_retainer_path(
    start: int, dist: np.ndarray, first_retainer: np.ndarray, first_edge: np.ndarray,
    retaining_edges: np.ndarray, edge_type: np.ndarray, weak_edge: int, root: int, max_len: int,
) -> np.ndarray: ...
def names_used_by(
    edge_type: np.ndarray, edge_name: np.ndarray, wanted_type: int, string_count: int
) -> np.ndarray: ...
def js_array_sizes(
    node_type: np.ndarray, node_name: np.ndarray, is_array_name: np.ndarray,
    skip_type: np.ndarray, first_edge: np.ndarray, edge_type: np.ndarray, edge_name: np.ndarray,
    edge_to: np.ndarray, first_retainer: np.ndarray, size: np.ndarray, internal_edge: int,
    is_elements: np.ndarray,
) -> int: ...
def first_sized_node(class_id: np.ndarray, self_size: np.ndarray, n_classes: int) -> np.ndarray: ...
def collection_entry_counts(
    first_edge: np.ndarray, edge_type: np.ndarray, edge_name: np.ndarray, edge_to: np.ndarray,
    node_type: np.ndarray, weak_edge: int, internal_edge: int, is_storage_name: np.ndarray,
    storage_type: np.ndarray,
) -> np.ndarray: ...
def plain_entry_counts(
    nodes: np.ndarray, kinds: np.ndarray, first_edge: np.ndarray, edge_type: np.ndarray,
    edge_name: np.ndarray, edge_to: np.ndarray, property_edge: int, element_edge: int,
    internal_edge: int, object_kind: int, array_kind: int, proto_names: np.ndarray,
    elements_names: np.ndarray, empty_values: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]: ...
def ordinals_of_sorted_ids(
    sorted_ids: np.ndarray, order: np.ndarray, keys: np.ndarray
) -> np.ndarray: ...
def id_agreement(
    old_sorted_ids: np.ndarray, old_order: np.ndarray, old_class: np.ndarray,
    old_code: np.ndarray, old_type: np.ndarray, new_ids: np.ndarray, new_class: np.ndarray,
    new_code: np.ndarray, new_type: np.ndarray, limit: int,
) -> tuple[int, int]: ...
def sources_from(first_edge: np.ndarray, edges: np.ndarray) -> np.ndarray: ...
def retainer_rows(
    edges: np.ndarray,
    sources: np.ndarray,
    edge_type: np.ndarray,
    distance: np.ndarray,
    root: int,
    weak_type: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
def members_by_class(
    class_id: np.ndarray, self_size: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray]: ...
def values_used(values: np.ndarray, n: int) -> np.ndarray: ...
def lookup_into(table: np.ndarray, values: np.ndarray, out: np.ndarray) -> np.ndarray: ...
def sum_by_type(node_type: np.ndarray, size: np.ndarray, n_types: int) -> np.ndarray: ...
def interface_candidates(
    plain: np.ndarray, first_edge: np.ndarray, edge_type: np.ndarray, edge_name: np.ndarray,
    property_edge: int, proto_string: int, formatted_length: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]: ...
def property_set_signatures(
    plain: np.ndarray, first_edge: np.ndarray, edge_type: np.ndarray, edge_name: np.ndarray,
    property_edge: int,
) -> np.ndarray: ...
def property_names_used(
    plain: np.ndarray, first_edge: np.ndarray, edge_type: np.ndarray, edge_name: np.ndarray,
    property_edge: int, n_strings: int,
) -> np.ndarray: ...
def located_class_ids(
    loc_nodes: np.ndarray, loc_script: np.ndarray, loc_line: np.ndarray, loc_col: np.ndarray,
    node_type: np.ndarray, object_type: int, class_sidx: np.ndarray, first_id: int,
    class_id: np.ndarray,
) -> np.ndarray: ...
def aggregate_classes(
    class_id: np.ndarray, self_size: np.ndarray, distance: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]: ...
def names_of_types(
    class_sidx: np.ndarray, node_type: np.ndarray, type_a: int, type_b: int, space: int
) -> np.ndarray: ...
def assign_class_strings(
    class_sidx: np.ndarray, node_type: np.ndarray, label_of_type: np.ndarray,
    remap_from: np.ndarray, remap_to: np.ndarray,
) -> None: ...
def comparison_join(
    t_class: np.ndarray, t_number: np.ndarray, t_size: np.ndarray, t_ids: np.ndarray,
    b_class: np.ndarray, b_number: np.ndarray, b_size: np.ndarray, b_ids: np.ndarray,
    b_sorted_ids: np.ndarray, b_order: np.ndarray, n_keys: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
def dominated_class_totals(
    first_dominated: np.ndarray, dominated: np.ndarray, class_id: np.ndarray,
    self_size: np.ndarray, retained_size: np.ndarray, holders: np.ndarray, n_classes: int,
    limit: int,
) -> tuple[int, np.ndarray, np.ndarray]: ...
def outermost_holders(dominator: np.ndarray, holders: np.ndarray, root: int) -> np.ndarray: ...
def reach_step(
    frontier: np.ndarray, source: np.ndarray, first_edge: np.ndarray, edge_type: np.ndarray,
    edge_to: np.ndarray, node_type: np.ndarray, cap: int, skip_edge_type: np.ndarray,
    skip_node_type: np.ndarray, stamp: np.ndarray, mark: int,
) -> tuple[np.ndarray, np.ndarray, int]: ...
def collection_slots(
    first_edge: np.ndarray, edge_to: np.ndarray, edge_type: np.ndarray, edge_name: np.ndarray,
    target_mask: np.ndarray, skip_type: int, numeric_a: int, numeric_b: int, n_strings: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]: ...
def element_counts_of(
    nodes: np.ndarray, first_edge: np.ndarray, edge_type: np.ndarray, edge_name: np.ndarray,
    edge_to: np.ndarray, node_type: np.ndarray, weak_edge: int, internal_edge: int,
    is_storage_mask: np.ndarray, storage_type_mask: np.ndarray,
) -> np.ndarray: ...
def first_index_of(values: np.ndarray, key: int) -> int: ...

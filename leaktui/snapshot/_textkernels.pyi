"""Types of the compiled kernels in _textkernels.pyx (mypy reads this; Cython builds the .pyx)."""

import numpy as np

def cons_string_leaves(cons_nodes: np.ndarray, node_type: np.ndarray, node_name: np.ndarray,
                       first_edge: np.ndarray, edge_type: np.ndarray, edge_name: np.ndarray,
                       edge_to: np.ndarray, t_cons: int, e_internal: int, first_string: int,
                       second_string: int, max_leaves: int) -> tuple[np.ndarray, np.ndarray]: ...
def string_candidates(node_type: np.ndarray, self_size: np.ndarray, t_string: int,
                      t_cons: int) -> tuple[np.ndarray, int]: ...
def internal_edges_named(edge_type: np.ndarray, edge_name: np.ndarray, e_internal: int,
                         name: int) -> np.ndarray: ...
def duplicate_groups(
    nodes: np.ndarray, keys: np.ndarray, split: int, n_keys: int, self_size: np.ndarray,
    retained_size: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
           np.ndarray]: ...
def duplicate_members(nodes: np.ndarray, keys: np.ndarray, split: int, group: np.ndarray,
                      group_start: np.ndarray, total: int) -> np.ndarray: ...
def decimal_values(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, escaped: np.ndarray,
                   indexes: np.ndarray) -> np.ndarray: ...

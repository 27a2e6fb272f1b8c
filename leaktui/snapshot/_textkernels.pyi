"""Types of the compiled kernels in _textkernels.pyx (mypy reads this; Cython builds the .pyx)."""

import numpy as np

def cons_string_leaves(cons_nodes: np.ndarray, node_type: np.ndarray, node_name: np.ndarray,
                       first_edge: np.ndarray, edge_type: np.ndarray, edge_name: np.ndarray,
                       edge_to: np.ndarray, t_cons: int, e_internal: int, first_string: int,
                       second_string: int, max_leaves: int) -> tuple[np.ndarray, np.ndarray]: ...

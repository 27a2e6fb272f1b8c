"""Types of the compiled kernels in _reach.pyx (mypy reads this; Cython builds the .pyx)."""

import numpy as np

def grown_reach(first_edge: np.ndarray, edge_to: np.ndarray, edge_type: np.ndarray,
                self_size: np.ndarray, kind: np.ndarray, dominator: np.ndarray,
                distance: np.ndarray,
                min_distance: int, skip_edge_type: np.ndarray, starts: np.ndarray,
                stops: np.ndarray, stamp: np.ndarray, mark: int, owner: np.ndarray,
                shared_bytes: np.ndarray, count_old: int) -> tuple[int, int]: ...
def same_class_links(first_edge: np.ndarray, edge_to: np.ndarray, edge_type: np.ndarray,
                     class_id: np.ndarray, node_type: np.ndarray, e_property: int,
                     t_object: int, narrow: bool = False) -> tuple[np.ndarray, np.ndarray]: ...
def chain_labels(nxt: np.ndarray) -> np.ndarray: ...

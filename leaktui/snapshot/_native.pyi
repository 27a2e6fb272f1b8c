"""Types of the compiled kernels in _native.pyx (mypy reads this; Cython builds the .pyx)."""

import numpy as np

def sum_by_type(node_type: np.ndarray, size: np.ndarray, n_types: int) -> np.ndarray: ...

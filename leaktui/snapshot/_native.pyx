# cython: language_level=3
"""Compiled graph kernels (built at install by setup.py; no JIT at run time).

Conventions as in kernels.py: nodes are ordinals 0..N-1, edges 0..E-1, typed memoryviews in,
numpy arrays out; loops release the GIL so a TUI thread keeps running beside them.
"""

import numpy as np

from libc.stdint cimport int64_t, uint8_t, uint32_t


def sum_by_type(const uint8_t[::1] node_type, const uint32_t[::1] size, Py_ssize_t n_types):
    """Sum of self sizes per node type (int64, exact)."""
    out_arr = np.zeros(n_types, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    cdef Py_ssize_t v, n = node_type.shape[0]
    with nogil:
        for v in range(n):
            out[node_type[v]] += size[v]
    return out_arr

"""Types of the compiled byte scanners in scan.pyx (mypy reads this; Cython builds the .pyx)."""

import mmap

import numpy as np

# The scanners take any buffer (numpy arrays, memoryviews, bytes, mapped files).
_Buffer = np.ndarray | memoryview | bytes | bytearray | mmap.mmap

NEED_MORE: int
DONE: int
BAD_CHAR: int
NEGATIVE: int
OVERFLOW: int
TOO_BIG: int

def scan_uint_columns(
    buf: _Buffer, pos: int, final: bool, out: np.ndarray | memoryview, count: int, end: int = -1
) -> tuple[int, int, int, int]: ...
def scan_mapped_array(
    buf: _Buffer, pos: int, out: np.ndarray | memoryview, count: int,
    stop: bytearray | np.ndarray, fd: int, chunk: int, limit: int = -1,
) -> tuple[int, int, int]: ...
def split_point(buf: np.ndarray, lo: int, hi: int) -> int: ...
def scan_second_half(
    buf: np.ndarray, lo: int, cut: int, hi: int, final: bool, out: np.ndarray, count: int
) -> tuple[int, int, int, int, int]: ...
def check_edges(
    edge_type: np.ndarray, edge_name: np.ndarray, edge_to: np.ndarray, node_fields: int,
    node_count: int, string_count: int, numeric_named: np.ndarray,
) -> tuple[int, int, int]: ...
def scan_value_extent(
    buf: _Buffer, pos: int, depth: int, in_string: bool, escaped: bool
) -> tuple[int, int, int, bool, bool]: ...
def scan_scalar_extent(buf: np.ndarray, pos: int) -> int: ...
def string_spans(
    buf: np.ndarray, wide: bool = ...
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, int]: ...
def find_containing(
    buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, candidates: np.ndarray,
    pattern: np.ndarray,
) -> np.ndarray: ...
def find_prefixed(
    buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, candidates: np.ndarray,
    pattern: np.ndarray, exact: bool,
) -> np.ndarray: ...
def find_equal_any(
    buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, patterns: np.ndarray,
    bounds: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]: ...

"""Process-wide memory settings for loading big snapshots."""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager


@functools.cache
def no_huge_page_advice() -> bool:
    """Stop numpy advising the kernel to back its big arrays with transparent huge pages.

    Where THP is `madvise` (the usual default), an advised mapping is faulted in 2 MiB pages
    with direct compaction: on a host whose memory is fragmented (a busy production host, this
    shared machine) the kernel spends seconds compacting. Loading a 1 GB snapshot measured
    2.2-4.2 s of system CPU without the advice, 7.3-7.9 s with it, and the same user CPU (the
    analysis gains nothing from huge pages). Every array of 1 MiB or more is a fresh mapping
    (see loader.return_big_frees_to_the_os), so each would pay it. NUMPY_MADVISE_HUGEPAGE set
    in the environment wins. Returns whether the advice is now off."""
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0"
    for name in ("numpy._core.multiarray", "numpy.core.multiarray"):  # numpy 2, numpy 1
        try:
            multiarray = importlib.import_module(name)
        except ImportError:
            continue
        setter = getattr(multiarray, "_set_madvise_hugepage", None)
        if setter is not None:
            setter(False)
            return True
    return False


RECYCLE_SETTING = "LEAKTUI_RECYCLE"


@contextmanager
def recycling() -> Iterator[None]:
    """Within the block, the pages of big numpy arrays (1 MiB or more) freed in this context are
    handed to the next big arrays instead of being returned to the system and faulted in
    again page by page (`_recycle`: a numpy memory handler). What it keeps mapped never takes
    the big arrays above the most they held at once in the block, and is let go when the
    outermost block ends. Threads started through `_threads.Beside` inside the block recycle
    too. Where numpy has no handler API, or with LEAKTUI_RECYCLE=0 in the environment (numpy's
    own allocator throughout, as before), nothing changes."""
    if os.environ.get(RECYCLE_SETTING) == "0":
        yield
        return
    from leaktui.snapshot import _recycle

    previous = _recycle.begin()
    try:
        yield
    finally:
        _recycle.end(previous)

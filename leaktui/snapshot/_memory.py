"""Process-wide memory settings for loading big snapshots."""

from __future__ import annotations

import functools
import importlib
import os


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

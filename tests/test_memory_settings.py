"""Process-wide memory settings a snapshot load makes (they cost or save seconds on big files;
see leaktui/snapshot/_memory.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "tests" / "data" / "strings.heapsnapshot"

PROBE = f"""
from numpy._core import multiarray
from leaktui.snapshot import load_snapshot
multiarray._set_madvise_hugepage(True)  # as numpy sets it on Linux 4.6+
load_snapshot({str(SMALL)!r})
print(multiarray._set_madvise_hugepage(False))  # the setting the load left: True = advising
"""


def _advice_after_a_load(env: dict[str, str]) -> str:
    # A fresh interpreter: the setting is process-wide and other tests must not see it change.
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          env=env, check=True)
    return proc.stdout.strip()


def test_loading_a_snapshot_stops_numpy_advising_huge_pages() -> None:
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    assert _advice_after_a_load(env) == "False"


def test_numpy_madvise_hugepage_in_the_environment_wins() -> None:
    env = {**os.environ, "NUMPY_MADVISE_HUGEPAGE": "1"}
    assert _advice_after_a_load(env) == "True"


BIG_FREES_PROBE = f"""
import sys
from leaktui.snapshot import load_snapshot, loader
if sys.argv[1] != "default":
    loader.BIG_FREES_TO_THE_OS_NODES = int(sys.argv[1])
load_snapshot({str(SMALL)!r})
print(loader.return_big_frees_to_the_os.cache_info().misses)  # 1: the setting was made
"""


def _big_frees_setting_made(limit: str) -> bool:
    proc = subprocess.run([sys.executable, "-c", BIG_FREES_PROBE, limit], capture_output=True,
                          text=True, check=True)  # a fresh interpreter: the setting is global
    return proc.stdout.strip() == "1"


def test_big_frees_go_back_to_the_os_only_from_millions_of_nodes() -> None:
    from leaktui.snapshot import load_snapshot, loader

    nodes = load_snapshot(SMALL).node_count
    assert nodes < loader.BIG_FREES_TO_THE_OS_NODES
    assert not _big_frees_setting_made("default")
    assert not _big_frees_setting_made(str(nodes + 1))
    assert _big_frees_setting_made(str(nodes))

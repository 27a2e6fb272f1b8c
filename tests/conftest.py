"""Shared fixtures: real snapshots written by Node from our own small programs."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

PROGRAMS = Path(__file__).parent / "programs"


def node_binary() -> str:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is required for the tests (it writes the snapshots)")
    return node


def write_series(program: str, out: Path, *args: str) -> list[Path]:
    """Run one of tests/programs with --expose-gc; returns the snapshots it wrote, sorted."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([node_binary(), "--expose-gc", str(PROGRAMS / program), str(out), *args],
                   check=True, timeout=120, capture_output=True)
    return sorted(out.glob("*.heapsnapshot"))


# Files whose tests take minutes (a wheel compiled, Node writing dozens of series, Prometheus
# scraping, idle timeouts run out): handed to the workers first, so no worker is left with
# one of them at the end while the others are idle. xdist's loadfile keeps this order only
# with --no-loadscope-reorder (in addopts; by default it sends the files with the most tests
# first, which left the one-test wheelhouse file running alone at the end). The two library
# corpus files come first, one per worker: their first tests ask for different cases (the
# controls, the leaks), so the two workers write the corpus side by side.
LONG_FILES = ("test_suspects_libraries.py", "test_suspects_libraries_leaks.py",
              "test_suspects.py", "test_wheelhouse.py", "test_fleet_prometheus.py",
              "test_serve_guard.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    first = {name: rank for rank, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: first.get(item.path.name, len(first)))  # stable: files stay whole


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str,
               build: Callable[[Path], object]) -> Path:
    """A folder that `build(folder)` fills once per test run, shared by pytest-xdist's workers.

    The first worker to ask builds it while the others wait on a file lock; a build that fails
    leaves no mark, so the next one to ask builds again (and fails with its own error). Without
    xdist the folder lives in this run's temporary folder, so nothing is kept between runs.
    """
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / f"shared-{name}"
    with open(root / f"shared-{name}.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not (folder / ".built").is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            build(folder)
            (folder / ".built").touch()
    return folder


@pytest.fixture(scope="session")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The TUI tests' snapshot of 500 Sessions (tui_support.write_sessions_snapshot), written
    once per test run for every module that asks."""
    from tui_support import write_sessions_snapshot  # it imports this module

    folder = built_once(tmp_path_factory, "tui-sessions", write_sessions_snapshot)
    return str(folder / "sessions.heapsnapshot")


@pytest.fixture(scope="session")
def growing_map_series(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = built_once(tmp_path_factory, "growing-map",
                        lambda out: write_series("growing_map.js", out))
    return sorted(folder.glob("*.heapsnapshot"))


def comparison_keyed(rows: Iterable[Any], gold: dict[str, Any]
                     ) -> tuple[dict[str, tuple[Any, ...]], dict[str, tuple[Any, ...]]]:
    """(our Comparison rows, DevTools' from a `--diff` golden), each keyed by class key with
    the counts and sizes DevTools shows: equal when we compare as DevTools does."""
    mine = {r.key: (r.name, r.new, r.deleted, r.delta, r.alloc_size, r.freed_size, r.size_delta)
            for r in rows}
    theirs = {c["classKey"]: (c["name"], c["newCount"], c["deletedCount"], c["countDelta"],
                              c["allocSize"], c["freedSize"], c["sizeDelta"])
              for c in gold["comparison"]}
    return mine, theirs


async def wait_loaded(app, pilot, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Let a LeakApp's loading worker finish (or fail); fails the test if it does neither."""
    deadline = time.monotonic() + timeout
    while not (app.snaps or app.load_error):
        if time.monotonic() > deadline:
            raise AssertionError(f"the app neither loaded nor failed within {timeout:.0f} s")
        await pilot.pause(0.05)
    await pilot.pause(0.1)

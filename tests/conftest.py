"""Shared fixtures: real snapshots written by Node from our own small programs."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

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


@pytest.fixture(scope="session")
def growing_map_series(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_series("growing_map.js", tmp_path_factory.mktemp("growing"))


async def wait_loaded(app, pilot, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Let a LeakApp's loading worker finish (or fail); fails the test if it does neither."""
    deadline = time.monotonic() + timeout
    while not (app.snaps or app.load_error):
        if time.monotonic() > deadline:
            raise AssertionError(f"the app neither loaded nor failed within {timeout:.0f} s")
        await pilot.pause(0.05)
    await pilot.pause(0.1)

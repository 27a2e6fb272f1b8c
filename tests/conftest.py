"""Shared fixtures: real snapshots written by Node from our own small programs."""

from __future__ import annotations

import shutil
import subprocess
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


async def wait_loaded(app, pilot) -> None:  # type: ignore[no-untyped-def]
    """Let a LeakApp's loading worker finish (or fail)."""
    for _ in range(300):
        await pilot.pause(0.05)
        if app.snaps or app.load_error:
            break
    await pilot.pause(0.1)

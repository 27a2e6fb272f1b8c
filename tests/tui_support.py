"""Shared by the TUI tests: a real snapshot written by Node, snapshots loaded once per session
(handed to LeakApp through its loader argument), and waits for workers."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from conftest import PROGRAMS, node_binary

from leaktui.snapshot import HeapSnapshot, load_snapshot

ROOT = Path(__file__).resolve().parents[1]
SERIES = sorted(str(p) for p in (ROOT / "snapshots_sample" / "unbounded-cache").glob("*.gz"))
RULES = str(ROOT / "tests" / "data" / "rules.heapsnapshot")
_LOADED: dict[str, HeapSnapshot] = {}


def write_sessions_snapshot(out: Path) -> Path:
    """Run tests/programs/tui_sessions.js (500 Sessions in global.leakyCache)."""
    path = out / "sessions.heapsnapshot"
    subprocess.run([node_binary(), "--expose-gc", str(PROGRAMS / "tui_sessions.js"), str(path)],
                   check=True, timeout=60, capture_output=True)
    return path



def shared_session_map(snap: HeapSnapshot) -> int:
    """In the sessions snapshot: the hidden class (map) the 500 Sessions share, an object held
    through 500+ retainer slots."""
    session_class = next(r.class_id for r in snap.summary() if r.name == "Session")
    a_session = int(snap.class_members(session_class)[0])
    return next(int(snap.edge_to[e]) for e in snap.edges(a_session)
                if snap.edge_name_text(e) == "map")


def cached_loader(path: str, progress: Callable[[str, float], None] | None = None
                  ) -> HeapSnapshot:
    """load_snapshot, once per path for the whole test session (the app never writes to a
    snapshot, so tests can share them)."""
    snap = _LOADED.get(path)
    if snap is None:
        snap = _LOADED[path] = load_snapshot(path, progress)
    return snap


def property_targets(snap: HeapSnapshot, name: str) -> np.ndarray:
    """Ordinals that property edges called ``name`` point to."""
    index = snap.strings.index(name)
    hits = np.flatnonzero((snap.edge_name == index) & (snap.edge_type == snap.E_PROPERTY))
    return snap.edge_to[hits].astype(np.int64)


async def wait_until(pilot, condition: Callable[[], object], timeout: float = 15.0,  # type: ignore[no-untyped-def]
                     what: str = "the app") -> None:
    """Poll ``condition`` between the app's frames; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await pilot.pause(0.05)


def tree_rows(tree) -> list[str]:  # type: ignore[no-untyped-def]
    """The labels of a Tree's shown rows, depth first (expanded nodes only)."""
    rows: list[str] = []

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        for child in node.children:
            rows.append(str(child.label))
            if child.is_expanded:
                walk(child)

    walk(tree.root)
    return rows


async def wait_loaded(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: app.snaps or app.load_error)
    await pilot.pause(0.05)

"""Ctrl-C during a capture, in-process: the first lets a snapshot V8 is writing finish (its
chunks thrown away) before the command ends as interrupted; the second leaves at once. The
same against a real Node process: test_capture_errors.py."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from leaktui.capture.snapshot import PartFile, Progress, _ChunkSink, _let_finish
from leaktui.commands.capture import _event_loop, _interruptible


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """The command's event loop (what is left pending is cancelled at the end), with Ctrl-C's
    default action (xdist's workers ignore SIGINT)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with _event_loop() as loop:
            yield loop
    finally:
        signal.signal(signal.SIGINT, previous)


def ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def test_first_ctrl_c_waits_for_the_snapshot_and_throws_its_chunks_away(
        loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    seen: list[str] = []
    path = tmp_path / "s.heapsnapshot"

    async def capture() -> None:
        call: asyncio.Future[dict[str, object]] = loop.create_future()
        with PartFile(str(path)) as out:
            sink = _ChunkSink(out, lambda progress: seen.append(progress.phase))
            sink.chunk({"chunk": "first"})
            loop.call_soon(ctrl_c)
            # The rest of the snapshot arrives after Ctrl-C; the call ends after it.
            loop.call_later(0.2, sink.chunk, {"chunk": "second"})
            loop.call_later(0.3, call.set_result, {})
            await _let_finish(call, sink)
            seen.append("not interrupted")

    with pytest.raises(KeyboardInterrupt):
        _interruptible(loop, capture())
    assert seen == ["writing", "interrupted"]
    assert list(tmp_path.iterdir()) == []  # the part file went with the interruption
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_second_ctrl_c_leaves_a_snapshot_being_written_at_once(
        loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    seen: list[str] = []
    call: asyncio.Future[dict[str, object]] = loop.create_future()

    async def capture() -> None:
        with PartFile(str(tmp_path / "s.heapsnapshot")) as out:
            sink = _ChunkSink(out, lambda progress: seen.append(progress.phase))
            loop.call_soon(ctrl_c)
            loop.call_later(0.1, ctrl_c)
            await _let_finish(call, sink)

    with pytest.raises(KeyboardInterrupt):
        _interruptible(loop, capture())
    assert seen == ["interrupted"] and not call.done()  # it did not wait for the call


def test_ctrl_c_between_snapshots_ends_the_step_at_once(
        loop: asyncio.AbstractEventLoop) -> None:
    async def between() -> None:
        loop.call_soon(ctrl_c)
        await asyncio.sleep(3600)

    with pytest.raises(KeyboardInterrupt):
        _interruptible(loop, between())


def test_a_step_that_is_not_interrupted_returns_its_value(
        loop: asyncio.AbstractEventLoop) -> None:
    async def step() -> Progress:
        return Progress("done")

    assert _interruptible(loop, step()) == Progress("done")

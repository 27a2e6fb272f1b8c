"""The terminal driver's input loop: a lone escape reaches the app when ESCDELAY ends, not at
the next 100 ms poll; escape sequences and split UTF-8 characters still read as one key."""

from __future__ import annotations

import os
import selectors
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
import textual.constants
from textual import events
from textual.app import App

from leaktui.tui.driver import POLL_S, driver_after


class Keys:
    """A driver reading a pipe instead of a terminal, on its own thread; what it would post to
    the app is kept here, with the waits its select() was given."""

    def __init__(self) -> None:
        self.read_end, self.write_end = os.pipe()
        self.events: list[events.Event] = []
        self.waits: list[float | None] = []
        self.arrived = threading.Condition()
        keys = self

        class Recording(selectors.SelectSelector):
            def select(self, timeout: float | None = None) -> Any:
                keys.waits.append(timeout)
                return super().select(timeout)

        class Piped(driver_after(None)):  # type: ignore[misc]
            selector_class = Recording

            def process_message(self, message: Any) -> None:
                with keys.arrived:
                    keys.events.append(message)
                    keys.arrived.notify_all()

        self.driver = Piped(App())
        self.driver.fileno = self.read_end
        self.thread = threading.Thread(target=self.driver.run_input_thread, daemon=True)
        self.thread.start()

    def type(self, data: bytes, count: int) -> list[str]:
        """Write ``data`` to the terminal; the keys it makes (the first ``count`` new ones)."""
        start = len(self.events)
        os.write(self.write_end, data)
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.events) >= start + count, 30), \
                f"no {count} key(s) for {data!r} in 30 s: {self.events[start:]}"
        return [e.key for e in self.events[start:] if isinstance(e, events.Key)]

    def stop(self) -> None:
        self.driver.exit_event.set()
        os.close(self.write_end)
        self.thread.join(30)
        assert not self.thread.is_alive()
        os.close(self.read_end)


@pytest.fixture
async def keys(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Keys]:
    """(async: Textual's driver is made inside a running event loop.)"""
    monkeypatch.setattr(textual.constants, "ESCAPE_DELAY", 0.02)
    piped = Keys()
    yield piped
    piped.stop()


async def test_a_lone_escape_is_waited_for_no_longer_than_the_escape_delay(keys: Keys) -> None:
    before = list(keys.waits)
    assert keys.type(b"\x1b", 1) == ["escape"]
    assert set(before) <= {POLL_S}  # nothing pending: Textual's poll
    after = keys.waits[len(before):]
    assert any(w is not None and w <= 0.02 for w in after)  # Textual's loop: 0.1 each time


async def test_escape_sequences_and_split_characters_still_read_as_one_key(keys: Keys) -> None:
    assert keys.type(b"\x1b[A", 1) == ["up"]
    assert keys.type(b"\xc3", 0) == []  # half of "é"
    assert keys.type(b"\xa9", 1) == ["é"]
    assert keys.type(b"q", 1) == ["q"]


async def test_the_loop_waits_for_the_stop_at_the_end_of_input() -> None:
    piped = Keys()
    os.close(piped.write_end)
    piped.thread.join(0.5)
    assert piped.thread.is_alive()  # input ended: nothing read, the driver not stopped yet
    piped.driver.exit_event.set()
    piped.thread.join(30)
    assert not piped.thread.is_alive()
    os.close(piped.read_end)


async def test_after_an_early_frame_the_alternate_screen_is_entered_again_only_after_a_suspend(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.drivers.linux_driver import LinuxDriver

    from leaktui.tui.early_frame import ALT_SCREEN_ON, EarlyFrame

    written: list[str] = []
    monkeypatch.setattr(LinuxDriver, "write", lambda self, data: written.append(data))
    driver = driver_after(EarlyFrame(-1, []))(App())
    driver.write(ALT_SCREEN_ON)
    driver.write("x")
    driver.first_start = False  # started once, then suspended and resumed
    driver.write(ALT_SCREEN_ON)
    assert written == ["x", ALT_SCREEN_ON]

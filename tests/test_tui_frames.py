"""A screen's frames are drawn when the screen is ready, not on the next tick of a clock."""

from __future__ import annotations

import asyncio

import pytest
import textual.timer
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from leaktui.tui.frames import draw_when_ready


class Steps(Screen[None]):
    def __init__(self, ready: bool) -> None:
        super().__init__()
        self.ready = ready

    def compose(self) -> ComposeResult:
        yield Static("start", id="step")

    def on_mount(self) -> None:
        if self.ready:
            draw_when_ready(self)


class StepsApp(App[None]):
    def __init__(self, ready: bool) -> None:
        super().__init__()
        self.ready = ready

    def get_default_screen(self) -> Steps:
        return Steps(self.ready)


async def waits_between_frames(ready: bool, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits of the screen's frame clock while an answer is drawn in three frames in a row
    (each step asked for once the frame before is on screen), after the screen sat idle."""
    waits: list[float] = []
    recording = False
    real_sleep = textual.timer.sleep

    async def sleep(seconds: float) -> None:
        task = asyncio.current_task()
        if recording and task is not None and task.get_name() == "screen_update":
            waits.append(seconds)
        await real_sleep(seconds)

    monkeypatch.setattr(textual.timer, "sleep", sleep)
    app = StepsApp(ready)
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause(0.5)  # idle: the clock has run far ahead of the frames drawn
        recording = True
        for step in range(3):
            app.screen.query_one("#step", Static).update(f"step {step}")
            drawn = asyncio.Event()
            app.screen.call_after_refresh(drawn.set)
            await drawn.wait()
        recording = False
    return [w for w in waits if w > 0.001]


async def test_each_frame_of_a_several_frame_answer_is_drawn_without_waiting_for_a_clock_tick(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert await waits_between_frames(True, monkeypatch) == []


async def test_textuals_own_frame_clock_waits_a_tick_or_two_after_each_frame(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Why `draw_when_ready` exists: without it the same answer waits between its frames."""
    assert await waits_between_frames(False, monkeypatch)

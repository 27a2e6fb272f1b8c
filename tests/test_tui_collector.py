"""Keys answered sooner: full garbage collections between keys, not in their frames
(`leaktui.tui.collector`), and the frame rate the TUI asks of Textual."""

from __future__ import annotations

import gc

from tui_support import RULES, wait_loaded, wait_until

from leaktui.tui.app import LeakApp
from leaktui.tui.collector import DEEP_IDLE_S, FULL_NEVER, IDLE_S, LONGEST_S, IdleCollector


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_full_collections_wait_until_the_user_is_idle_and_the_settings_come_back() -> None:
    before = gc.get_threshold()
    clock = Clock()
    collector = IdleCollector(clock)
    try:
        collector.settle()
        assert gc.get_threshold() == (before[0], before[1], FULL_NEVER)
        assert gc.get_freeze_count() > 0  # what was held at the load is out of the way
        collector.tick()
        assert collector.full_collections == 0  # no input since the load: nothing to do
        collector.input()
        clock.t += IDLE_S / 2
        collector.tick()
        assert collector.full_collections == 0  # the user is still typing
        clock.t += IDLE_S
        collector.tick()
        assert collector.full_collections == 1
        collector.tick()
        assert collector.full_collections == 1  # once per burst of input
        for _ in range(int(2 * LONGEST_S / IDLE_S) + 2):  # a key held down
            clock.t += IDLE_S / 2
            collector.input()
            collector.tick()
        assert collector.full_collections == 2  # at the latest every LONGEST_S
        assert collector.deep_collections == 0  # never idle long enough
    finally:
        collector.stop()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_survivors_are_frozen_and_freed_by_the_deep_collection_after_a_longer_idle() -> None:
    import weakref

    clock = Clock()
    collector = IdleCollector(clock)
    try:
        collector.settle()
        held = [Node()]
        alive = weakref.ref(held[0])
        frozen = gc.get_freeze_count()
        collector.input()
        clock.t += IDLE_S
        collector.tick()
        assert collector.full_collections == 1 and gc.get_freeze_count() > frozen
        held.clear()  # the cycle is garbage now, but frozen with the survivors
        collector.input()
        clock.t += IDLE_S
        collector.tick()
        assert collector.full_collections == 2 and alive() is not None  # not looked at again
        clock.t += DEEP_IDLE_S
        collector.tick()
        assert collector.deep_collections == 1 and alive() is None
        clock.t += DEEP_IDLE_S
        collector.tick()
        assert collector.deep_collections == 1  # nothing frozen since: nothing to do
    finally:
        collector.stop()


async def test_the_app_leaves_full_collections_to_idle_moments_and_restores_them_at_exit(
) -> None:
    before = gc.get_threshold()
    app = LeakApp([RULES])
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(app, pilot)
        await wait_until(pilot, lambda: app.collector.active)
        assert gc.get_threshold()[2] == FULL_NEVER and gc.get_freeze_count() > 0
        await pilot.press("down")
        await wait_until(pilot, lambda: app.collector.full_collections >= 1)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_120_frames_a_second_and_a_25_ms_escape_delay_unless_the_user_said_otherwise() -> None:
    from leaktui.commands.open import ESCAPE_DELAY_MS, FRAMES_PER_SECOND, terminal_timing

    env: dict[str, str] = {}
    terminal_timing(env)
    assert env == {"TEXTUAL_FPS": "120", "ESCDELAY": "25"}
    assert (FRAMES_PER_SECOND, ESCAPE_DELAY_MS) == (120, 25)
    env = {"TEXTUAL_FPS": "30", "ESCDELAY": "300"}
    terminal_timing(env)
    assert env == {"TEXTUAL_FPS": "30", "ESCDELAY": "300"}

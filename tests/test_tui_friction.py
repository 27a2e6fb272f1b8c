"""What a new user ran into (issue 13), each fixed and held here: help that scrolls and quits,
the key bar that matches the pane shown and lists only keys that work, `y` on a suspect,
view 1's keys in growth, the retainers legend, the header at 120 columns, opening a holder
moves the class panes to its class, keys while loading, a worker that fails, an app without
view 1, the exit status when nothing opened, and the screen with stderr redirected."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Input, Static
from tui_support import RULES, SERIES, cached_loader, wait_loaded, wait_until

from leaktui.pins import PinStore, finding_markdown
from leaktui.snapshot import HeapSnapshot, load_snapshot
from leaktui.tui.app import LeakApp
from leaktui.tui.screens import HelpScreen
from leaktui.tui.views import DEFAULT_VIEWS, ViewSpec
from leaktui.tui.widgets import (
    ClassSummaryTable,
    GrowthView,
    InstanceTable,
    RetainerTree,
    SuspectsView,
)


def key_bar(app: LeakApp) -> str:
    return str(app.query_one("#keys").render())


def visible_panes(app: LeakApp) -> list[str | None]:
    return [w.id for w in app.query(".pane") if w.display]


async def test_help_scrolls_with_arrow_and_page_keys_at_once_and_q_quits() -> None:
    app = LeakApp([RULES], loader=cached_loader)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("#help-box")
        await pilot.press("down", "down")
        await wait_until(pilot, lambda: box.scroll_y >= 2, what="help scrolled by down")
        before = box.scroll_y
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: box.scroll_y > before, what="help scrolled by page")
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, what="q in help quitting")


async def test_help_sections_are_titled_for_users() -> None:
    app = LeakApp([RULES], loader=cached_loader)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1", "tab", "tab", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        titles = [title for title, _ in app.screen.sections]
        assert "Retainers pane" in titles
        assert not [t for t in titles if re.search(r"[a-z][A-Z]", t)], titles  # no CamelCase


async def test_after_enter_or_n_from_suspects_in_80x24_the_key_bar_names_the_pane_and_tab_moves(
) -> None:
    app = LeakApp(SERIES, loader=cached_loader)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(app, pilot)
        for key in ("enter", "n"):
            await pilot.press("3")
            assert app.active_view == "suspects"
            await pilot.press(key)
            await wait_until(pilot, lambda: visible_panes(app) == ["retainers"],
                             what=f"the retainers pane after {key}")
            await wait_until(pilot, lambda: key_bar(app).startswith(" 3/4 retainers "),
                             what=f"the key bar naming the retainers after {key}")
            assert isinstance(app.focused, RetainerTree)
            await pilot.press("tab")
            await wait_until(pilot, lambda: visible_panes(app) == ["object-box"],
                             what="tab showing the object pane")
            await wait_until(pilot, lambda: key_bar(app).startswith(" 4/4 object "),
                             what="the key bar naming the object pane")


async def test_y_in_the_suspects_view_copies_the_highlighted_suspect() -> None:
    app = LeakApp(SERIES, loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        suspect = app.suspects[0]
        await pilot.press("1", "tab")  # an instance of the first class: another object
        await wait_until(pilot, lambda: app.current_object() not in (None, suspect.holder),
                         what="another current object")
        await pilot.press("3", "y")
        assert app.query_one(SuspectsView).highlighted() == 0
        assert app.clipboard == finding_markdown(app.snaps[-1], suspect.holder,
                                                 suspect=suspect)
        assert app.clipboard.startswith(f"**{suspect.holder_class} @{suspect.holder_id}**")


async def test_s_and_slash_in_growth_stay_in_growth() -> None:
    app = LeakApp(SERIES, loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("2")
        growth = app.query_one(GrowthView)
        await wait_until(pilot, lambda: growth.ready, what="the comparison")
        await pilot.press("s", "slash", "x")
        assert app.active_view == "growth"
        assert not isinstance(app.focused, Input)
        assert app.query_one("#classes", ClassSummaryTable).filter_text == ""


async def test_the_key_bar_lists_only_keys_that_work_in_statistics_and_findings() -> None:
    app = LeakApp([RULES], loader=cached_loader)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1")
        assert "/ filter" in key_bar(app) and "s sort" in key_bar(app)
        for view in ("5", "6"):
            await pilot.press(view)
            bar = key_bar(app)
            for gone in ("/ filter", "s sort", "o open", "r root path"):
                assert gone not in bar, (view, bar)


def test_the_retainers_legend_does_not_read_like_a_key() -> None:
    legend = RetainerTree.BORDER_SUBTITLE
    assert not re.match(r"^\S \w", legend), legend  # `d distance` read as "press d"
    assert "distance" in legend and "retained" in legend


async def test_the_header_at_120_columns_does_not_end_in_a_cut_series() -> None:
    app = LeakApp(SERIES, loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        header = str(app.query_one("#header", Static).render())
        assert "[3/3]" in header and "suspects" in header
        if "series:" in header:
            assert all(os.path.basename(p) in header for p in SERIES), header
        await pilot.resize_terminal(300, 40)  # room for the whole series: it is shown
        await wait_until(pilot, lambda: "series: " in str(app.query_one("#header").render()),
                         what="the series in a wide header")


async def test_opening_a_holder_moves_classes_and_instances_to_its_class() -> None:
    app = LeakApp(SERIES, loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("n")
        holder = app.current_object()
        assert holder is not None
        classes = app.query_one("#classes", ClassSummaryTable)
        instances = app.query_one(InstanceTable)
        await wait_until(pilot, lambda: classes.current_class() == int(app.snap.class_id[holder]),
                         what="the classes pane on the holder's class")
        await wait_until(pilot, lambda: instances.current_node() == holder,
                         what="the instances pane on the holder")
        assert app.current_object() == holder  # moving the panes did not change the object


def slow_loader(gate: list[bool]) -> Callable[..., HeapSnapshot]:
    """The real loader that holds at its first progress step until ``gate`` is opened."""

    def load(path: str, progress: Callable[[str, float], None]) -> HeapSnapshot:
        def held(phase: str, fraction: float) -> None:
            progress(phase, fraction)
            deadline = time.monotonic() + 30
            while not gate and time.monotonic() < deadline:
                time.sleep(0.01)

        return load_snapshot(path, held)

    return load


async def test_keys_while_loading_say_so_once_not_a_toast_each() -> None:
    gate: list[bool] = []
    app = LeakApp([RULES], loader=slow_loader(gate))
    async with app.run_test(size=(80, 24)) as pilot:
        hint = app.query_one("#load-hint", Static)
        await pilot.press("g", "slash", "s", "n", "F", "y", "p")
        await wait_until(pilot, lambda: "Nothing loaded yet" in str(hint.render()),
                         what="the loading hint")
        assert not [n for n in app.notices if "Nothing loaded" in n.message]
        assert not app.snaps
        gate.append(True)
        await wait_loaded(app, pilot)


async def test_a_failing_comparison_says_so_instead_of_computing_forever() -> None:
    def broken(base: HeapSnapshot, target: HeapSnapshot) -> tuple[list, dict, object]:  # type: ignore[type-arg]
        raise ValueError("diff bug")

    views = [ViewSpec("2", "growth", "growth", lambda app: GrowthView(compare=broken,
                                                                      id="growth")),
             *[spec for spec in DEFAULT_VIEWS if spec.id != "growth"]]
    app = LeakApp(SERIES, loader=cached_loader, views=views)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("2")
        table = app.query_one("#growth-table")
        await wait_until(pilot, lambda: "failed" in str(table.border_title),
                         what="the comparison's failure shown")
        assert "computing" not in str(table.border_title)
        assert "ValueError: diff bug" in str(app.query_one("#growth-notes").render())
        assert any("Comparison failed" in n.message and n.severity == "error"
                   for n in app.notices)


async def test_an_app_without_view_1_mounts_loads_and_opens_suspects(tmp_path: Path) -> None:
    views = [spec for spec in DEFAULT_VIEWS if spec.id != "investigate"]
    stores: list[PinStore] = []

    def pins(path: str) -> PinStore:
        stores.append(PinStore(str(tmp_path / "pins-of-the-test.heapsnapshot")))
        return stores[-1]

    app = LeakApp(SERIES, loader=cached_loader, views=views, pins=pins)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        assert app.active_view == "suspects" and stores and app.pins is stores[0]
        await pilot.press("enter", "n", "1", "s", "slash", "g", "escape", "tab", "2", "6",
                          "left_square_bracket", "y", "r", "o", "a", "question_mark",
                          "escape")
        assert app.is_running and app.active_view in {spec.id for spec in views}


def pty_run(args: list[str], stderr: Path, keys: bytes, wait_for: bytes
            ) -> tuple[int | None, bytes]:
    """leaktui in a pseudo-terminal (80x24) with stderr sent to ``stderr``: waits for
    ``wait_for`` on the screen, types ``keys``, returns (exit status, screen bytes)."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="80", LINES="24")
    with stderr.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "leaktui.cli", *args], stdin=slave,
                                stdout=slave, stderr=err, env=env, start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while wait_for not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                with contextlib.suppress(OSError):
                    seen += os.read(master, 65536)
        assert wait_for in seen, (wait_for, seen[-800:], stderr.read_bytes()[-800:])
        os.write(master, keys)
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                with contextlib.suppress(OSError):
                    seen += os.read(master, 65536)
        return proc.poll(), seen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def test_with_stderr_sent_to_a_file_the_screen_still_draws(tmp_path: Path) -> None:
    status, seen = pty_run([RULES], tmp_path / "log", b"q", wait_for=b"Classes")
    assert status == 0, seen[-800:]


def test_when_nothing_could_be_opened_the_tui_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.heapsnapshot"
    bad.write_text('{"snapshot": {"meta": ')
    log = tmp_path / "log"
    status, seen = pty_run([str(bad)], log, b"q", wait_for=b"Cannot open")
    assert status == 2, (status, seen[-800:])
    text = log.read_text()
    assert text.startswith("leaktui: ") and "broken.heapsnapshot" in text, text
    assert text.count("\n") == 1 and "Traceback" not in text, text

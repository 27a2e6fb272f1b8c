"""The app around the views: loading with progress and `q` working throughout, errors shown
in the app, the command line refusing paths before opening, help built from the bindings,
NO_COLOR."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input, ProgressBar
from tui_support import RULES, SERIES, cached_loader, wait_loaded, wait_until

from leaktui.snapshot import HeapSnapshot, load_snapshot
from leaktui.suspects import Suspect
from leaktui.tui.app import LeakApp
from leaktui.tui.main import MainScreen
from leaktui.tui.screens import HelpScreen, help_plain, parse_object_id
from leaktui.tui.widgets.investigate import InvestigationView
from leaktui.tui.widgets.prompt import PromptBar


def slow_loader(phases: list[str], finished: list[str]) -> Callable[..., HeapSnapshot]:
    """The real loader, held at its second progress step for a minute unless the app cancels
    it (its progress callback raises then): a big file, made small. It adds the path to
    ``finished`` when it ran to the end."""

    def load(path: str, progress: Callable[[str, float], None]) -> HeapSnapshot:
        def slowly(phase: str, fraction: float) -> None:
            phases.append(phase)
            for _ in range(1200 if len(phases) == 2 else 1):
                progress(phase, fraction)
                time.sleep(0.05)

        snap = load_snapshot(path, slowly)
        if finished is not None:
            finished.append(path)
        return snap

    return load


async def test_the_loading_screen_names_the_phase_and_q_quits_during_loading() -> None:
    phases: list[str] = []
    finished: list[str] = []
    app = LeakApp([RULES], loader=slow_loader(phases, finished))
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.query_one("#load-bar", ProgressBar)
        await wait_until(pilot, lambda: bar.progress > 0)
        label = str(app.query_one("#load-label").render())
        assert label.startswith("Loading rules.heapsnapshot (1/1): ")
        assert any(f": {phase}…" in label for phase in phases), (label, phases)
        await pilot.press("q")
    assert not app.snaps  # quit before the end of loading
    assert not finished  # and without waiting for the load to end


async def test_an_unusable_file_is_a_message_in_the_app_not_a_crash(tmp_path: Path) -> None:
    bad = tmp_path / "broken.heapsnapshot"
    bad.write_text('{"snapshot": {"meta": ')
    app = LeakApp([str(bad)])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(app, pilot)
        assert app.load_error is not None and "broken.heapsnapshot" in app.load_error
        assert str(app.query_one("#load-label").render()).startswith("Cannot open: ")
        await pilot.press("1", "g", "slash")  # nothing to act on: no exception, no prompt
        assert app.active_view == "investigate"
        assert not app.query_one(PromptBar).is_open and not isinstance(app.focused, Input)
        await pilot.press("q")


async def test_a_bug_in_loading_is_reported_in_the_app() -> None:
    def broken(path: str, progress: Callable[[str, float], None]) -> HeapSnapshot:
        raise ValueError("unexpected layout")

    app = LeakApp([RULES], loader=broken)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(app, pilot)
        assert app.load_error is not None
        assert "internal error (ValueError: unexpected layout)" in app.load_error


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leaktui.cli", *args], capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize(("make", "says"), [
    (lambda tmp: str(tmp / "missing.heapsnapshot"), "no such file"),
    (lambda tmp: str(tmp), "is a directory"),
])
def test_open_refuses_a_bad_path_with_one_line_and_exit_2(
    tmp_path: Path, make: Callable[[Path], str], says: str
) -> None:
    done = run_cli(make(tmp_path))
    assert done.returncode == 2
    assert done.stderr.startswith("leaktui: ") and says in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_open_without_snapshots_says_what_to_give() -> None:
    done = run_cli()
    assert done.returncode == 2 and "give one or more heap snapshots" in done.stderr


async def test_help_lists_the_views_and_keys_from_the_bindings() -> None:
    app = LeakApp([RULES], loader=cached_loader)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1", "tab", "tab")  # retainers: its own keys are listed too
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = help_plain(app.screen.sections)
        for line in ("1 classes, instances", "backspace back to the previous",
                     "ctrl+s save an SVG", "e open the nearest retainers"):
            assert line in text, line
        titles = [title for title, _ in app.screen.sections]
        assert "Retainers pane" in titles and "View 1: classes, instances, retainers, " \
            "object" in titles, titles
        assert not any(title.startswith("In ") for title in titles), titles  # no class names
        for binding in [*LeakApp.BINDINGS, *MainScreen.BINDINGS, *InvestigationView.BINDINGS]:
            if getattr(binding, "tooltip", "") and binding.show is not False and \
                    not binding.action.startswith(("view_key", "in_investigation")):
                assert binding.tooltip in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


def test_object_ids_are_read_with_or_without_the_at_sign() -> None:
    assert parse_object_id("@123") == 123
    assert parse_object_id(" 45 ") == 45
    assert parse_object_id("@ 7") == 7
    assert parse_object_id("@abc") is None and parse_object_id("") is None


def saturated_colours(svg: str) -> set[str]:
    """Fill colours of an SVG screenshot that are not (near) grey."""
    out = set()
    for hexa in re.findall(r"fill: #([0-9a-f]{6})", svg):
        r, g, b = (int(hexa[i:i + 2], 16) for i in (0, 2, 4))
        if max(r, g, b) - min(r, g, b) > 8:
            out.add(hexa)
    return out


async def screenshot(app: LeakApp) -> str:
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1")
        return app.export_screenshot()


async def test_no_color_renders_without_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    assert saturated_colours(await screenshot(LeakApp([RULES], loader=cached_loader)))
    monkeypatch.setenv("NO_COLOR", "1")
    app = LeakApp([RULES], loader=cached_loader)
    assert saturated_colours(await screenshot(app)) == set() and app.no_color


def test_leaktui_in_a_terminal_shows_loading_at_once_and_q_quits_while_loading() -> None:
    """The real command in a pseudo-terminal (80x24, as over SSH): the loading screen is
    drawn before the snapshots are read, and q ends the process while they still load."""
    import fcntl
    import os
    import select
    import struct
    import termios

    # A pseudo-terminal pair and subprocess (fork + exec in C): os.forkpty() in a process with
    # threads (pytest-xdist's workers have some) may deadlock its child.
    fd, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    child = subprocess.Popen([sys.executable, "-m", "leaktui.cli", *SERIES], stdin=terminal,
                             stdout=terminal, stderr=terminal, start_new_session=True,
                             env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "80",
                                  "LINES": "24"})
    os.close(terminal)
    seen = b""
    deadline = time.monotonic() + 60
    while b"Loading" not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    assert b"Loading" in seen, seen[-500:]
    os.write(fd, b"q")
    deadline = time.monotonic() + 60
    while child.poll() is None and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.1)[0]:
            with contextlib.suppress(OSError):  # EIO once the child has closed the terminal
                os.read(fd, 65536)
    os.close(fd)
    status = child.poll()
    if status is None:
        child.kill()
        child.wait()
    assert status == 0, status


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_leaktui_draws_and_quits_inside_tmux_at_80x24(tmp_path: Path) -> None:
    """Inside tmux (TERM=tmux-256color or screen, as on most production hosts): the class
    table is drawn in 80x24, `/` filters, and q ends the session."""
    tmux = ["tmux", "-L", f"leaktui-{os.getpid()}", "-f", "/dev/null"]
    command = f"{shlex.quote(sys.executable)} -m leaktui.cli {shlex.quote(SERIES[-1])}"
    subprocess.run([*tmux, "new-session", "-d", "-x", "80", "-y", "24", command], check=True)
    try:
        def screen() -> str:
            return subprocess.run([*tmux, "capture-pane", "-p"], capture_output=True,
                                  text=True).stdout

        def until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
            deadline = time.monotonic() + timeout
            while not condition():
                assert time.monotonic() < deadline, f"{what} within {timeout:.0f} s:\n{screen()}"
                time.sleep(0.1)

        until(lambda: "UserProfile" in screen(), "the class table drawn")
        subprocess.run([*tmux, "send-keys", "1", "/", *"UserP"], check=True)
        until(lambda: "Classes 1 matching 'UserP'" in screen(), "the filter applied")
        subprocess.run([*tmux, "send-keys", "Escape"], check=True)
        # A key right after a bare Escape would read as Alt+key: wait for the filter cleared.
        until(lambda: "matching 'UserP'" not in screen() and "/ filter classes" in screen(),
              "the filter cleared by Escape")
        subprocess.run([*tmux, "send-keys", "q"], check=True)
        until(lambda: subprocess.run([*tmux, "has-session"], capture_output=True).returncode != 0,
              "the session ended by q")
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)


async def test_the_ansi_theme_uses_the_terminals_own_colours() -> None:
    app = LeakApp([RULES], loader=cached_loader, theme="ansi")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(app, pilot)
        assert app.theme == "ansi-dark" and app.current_theme.name == "ansi-dark"


def test_an_unknown_theme_is_one_line_and_exit_2() -> None:
    done = run_cli("--theme", "no-such-theme", RULES)
    assert done.returncode == 2 and "no theme 'no-such-theme'" in done.stderr
    assert "ansi" in done.stderr and "Traceback" not in done.stderr


async def test_a_failing_suspect_detector_still_opens_the_snapshots() -> None:
    from leaktui.tui.loading import series_loader

    def broken(snaps: list[HeapSnapshot]) -> list[Suspect]:
        raise KeyError("detector bug")

    app = LeakApp([RULES], series_loader=series_loader(cached_loader, find=broken))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(app, pilot)
        assert app.snaps and app.load_error is None and app.suspects == []
        assert app.active_view == "investigate"
        assert any("suspects failed (KeyError" in n.message and n.severity == "error"
                   for n in app.notices)


async def test_brackets_typed_or_in_file_names_are_shown_not_taken_for_markup(
    tmp_path: Path,
) -> None:
    """`[/x]` typed into the filter or the go-to prompt, and a snapshot named with brackets,
    are shown as written (as Rich markup they raised MarkupError and closed the app)."""
    from leaktui.tui.widgets import ClassSummaryTable

    odd = tmp_path / "[red]prod.heapsnapshot"
    shutil.copy(RULES, odd)
    app = LeakApp([str(odd)])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1", "slash", *"[/x]", "enter")
        classes = app.query_one("#classes", ClassSummaryTable)
        await wait_until(pilot, lambda: classes.filter_text == "[/x]", what="the filter")
        assert "matching&#160;&#x27;[/x]&#x27;" in app.export_screenshot()
        await pilot.press("escape", "g", *"[/b]", "enter")
        await wait_until(pilot, lambda: any("Not an object id: '[/b]'" in n.message
                                            for n in app.notices), what="the bad id")
        assert app.is_running
        assert "[red]prod.heapsnapshot" in str(app.query_one("#header").render())


@pytest.mark.parametrize("seed", [103])
async def test_random_keys_in_every_view_never_close_the_app(tmp_path: Path, seed: int) -> None:
    """A few hundred keys chosen at random (no `q`), on a copy of a snapshot without suspects
    and with a metrics file: whatever the order, the app is still running at the end."""
    import random

    snap = tmp_path / "rules.heapsnapshot"
    shutil.copy(RULES, snap)
    metrics = tmp_path / "m.jsonl"
    metrics.write_text("".join(f'{{"ts": {1000 + i}, "rss": {1e8 + i * 1e6}}}\n'
                               for i in range(30)))
    keys = [*"123456abcdefghijklmnoprstuvwxyz[]/?@", "enter", "escape", "tab", "shift+tab",
            "backspace", "up", "down", "left", "right", "pageup", "pagedown", "home", "end",
            "space", "ctrl+p", "f1"]
    rnd = random.Random(seed)
    app = LeakApp([str(snap)], loader=cached_loader, metrics=str(metrics),
                  screenshot_dir=str(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(app, pilot)
        for i in range(300):
            await pilot.press(rnd.choice(keys))
            if i % 25 == 0:
                await pilot.pause(0.02)
        await pilot.pause(0.1)
        assert app.is_running

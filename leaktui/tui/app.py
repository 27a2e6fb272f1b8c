"""LeakApp: investigate heap snapshots by keyboard, from class to object to GC root.

The app keeps its arguments, the theme, the loading worker, quit, help, the SVG key and the
command palette. What the user looks at lives in a `Session` owned by the `MainScreen`,
which holds the views (one per number key, see `leaktui.tui.views`). Loading runs in a
thread worker that only posts messages."""

from __future__ import annotations

import collections
import os
import sys
import threading
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.worker import get_current_worker

from leaktui.errors import LeakTuiError
from leaktui.tui.collector import IdleCollector
from leaktui.tui.commands import LeakCommands
from leaktui.tui.loading import LoadCancelled, SeriesLoader, SnapshotLoader
from leaktui.tui.loading import series_loader as default_series_loader
from leaktui.tui.main import MainScreen, PinsFactory
from leaktui.tui.messages import LoadFailed, LoadProgress, SnapshotsLoaded
from leaktui.tui.session import Session
from leaktui.tui.views import DEFAULT_VIEWS, ViewSpec

if TYPE_CHECKING:
    from textual.driver import Driver

    from leaktui.pins import PinStore
    from leaktui.snapshot import HeapSnapshot
    from leaktui.snapshot.lean import AnySnapshot
    from leaktui.suspects import Suspect
    from leaktui.tui.early_frame import EarlyFrame

THEME_ALIASES = {"ansi": "ansi-dark", "dark": "textual-dark", "light": "textual-light"}


def resolve_theme(name: str, available: Iterable[str]) -> str:
    """A theme name or alias (`ansi`: the terminal's own 16 colours, for 256-colour and
    ANSI terminals); LeakTuiError naming the choices otherwise."""
    name = THEME_ALIASES.get(name, name)
    choices = sorted(available)
    if name not in choices:
        raise LeakTuiError(f"no theme {name!r}: use ansi, dark, light or one of "
                           f"{', '.join(choices)}")
    return name


def _pin_store(path: str) -> PinStore:
    from leaktui.pins import PinStore

    return PinStore(path)


@dataclass(frozen=True)
class Notice:
    """A notification the app showed (kept, newest last, for whoever needs to know)."""

    message: str
    severity: SeverityLevel


class LeakApp(App[None]):
    """``paths`` (oldest first) are read by ``series_loader`` (default: each file with
    ``loader``, then ordered, with suspects); ``pins`` makes the pin store of the last
    snapshot; ``views`` are the views behind the number keys; ``early_frame``, the frame
    `leaktui.tui.early_frame` drew on the terminal before Textual was imported."""

    CSS_PATH = "leaktui.tcss"
    TITLE = "leaktui"
    AUTO_FOCUS = None  # nothing has the focus while loading (keys go to the bindings)
    COMMANDS = App.COMMANDS | {LeakCommands}
    BINDINGS = [
        Binding("q", "quit", "quit", tooltip="quit (also while loading)"),
        Binding("question_mark", "help", "help", tooltip="this help"),
        Binding("ctrl+s", "save_svg", show=False, tooltip="save an SVG screenshot"),
    ]

    def __init__(self, paths: Sequence[str], loader: SnapshotLoader | None = None,
                 screenshot_dir: str | None = None, metrics: str | None = None,
                 poll: bool = False, limit: int | None = None, window_s: float | None = None,
                 views: Sequence[ViewSpec] = DEFAULT_VIEWS, theme: str | None = None,
                 series_loader: SeriesLoader | None = None,
                 pins: PinsFactory = _pin_store, early_frame: EarlyFrame | None = None) -> None:
        super().__init__(driver_class=_driver(early_frame))
        if theme:
            self.theme = resolve_theme(theme, self.available_themes)
        self.paths = list(paths)
        self.load_series = series_loader or default_series_loader(loader)
        self.metrics, self.poll, self.limit, self.window_s = metrics, poll, limit, window_s
        self.screenshot_dir = screenshot_dir or os.getcwd()
        self.view_specs = list(views)
        self.session = Session()
        self.main = MainScreen(self.session, self.view_specs, lambda spec: spec.make(self),
                               pins, self.paths)
        self.main.read_snapshot = loader  # an older snapshot kept lean, read in full
        self.notices: collections.deque[Notice] = collections.deque(maxlen=200)
        self.load_finished = threading.Event()  # set when the loading thread has returned
        self.collector = IdleCollector()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.collector.input()
        await super().on_event(event)

    def on_unmount(self) -> None:
        self.collector.stop()

    def get_default_screen(self) -> MainScreen:
        return self.main

    def on_main_screen_ready(self) -> None:
        self._load()

    # ------------------------------------------------------------------ the session, read
    @property
    def snaps(self) -> list[AnySnapshot]:
        """The series, oldest first: all but the last may be lean (read in full when
        shown)."""
        return self.session.snaps

    @property
    def snap(self) -> HeapSnapshot:
        return self.session.snap

    @property
    def current(self) -> int:
        return self.session.current

    @property
    def suspects(self) -> list[Suspect]:
        return self.session.suspects

    @property
    def warnings(self) -> list[str]:
        return self.session.warnings

    @property
    def pins(self) -> PinStore | None:
        return self.session.pins

    @property
    def load_error(self) -> str | None:
        return self.session.load_error

    @property
    def active_view(self) -> str | None:
        return self.main.active_view

    def current_object(self) -> int | None:
        return self.session.object_node if self.session.is_loaded else None

    # ------------------------------------------------------------------ loading
    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self) -> None:
        """Runs in the loading thread: never touches a widget, only posts messages."""
        worker = get_current_worker()
        started = time.perf_counter()

        def progress(index: int, count: int, path: str, phase: str, fraction: float) -> None:
            if worker.is_cancelled:
                raise LoadCancelled
            self.post_message(LoadProgress(index, count, path, phase, fraction))

        try:
            loaded = self.load_series(self.paths, progress)
        except LoadCancelled:
            return
        except LeakTuiError as exc:
            self.post_message(LoadFailed(str(exc)))
            return
        except MemoryError:
            self.post_message(LoadFailed("not enough memory to load these snapshots"))
            return
        except Exception as exc:  # a bug: say so in the app rather than die on the screen
            self.log.error(traceback.format_exc())
            self.post_message(LoadFailed(f"internal error ({type(exc).__name__}: {exc}); "
                                         "please report it with the snapshot's Node version"))
            return
        finally:
            self.load_finished.set()
        self.post_message(SnapshotsLoaded(replace(loaded,
                                                  seconds=time.perf_counter() - started)))

    def on_load_progress(self, message: LoadProgress) -> None:
        name = os.path.basename(message.path)
        self.main.show_progress(
            f"Loading {name} ({message.index + 1}/{message.count}): {message.phase}…",
            (message.index + message.fraction) / max(message.count, 1))

    def on_load_failed(self, message: LoadFailed) -> None:
        self.main.show_load_failed(message.error)

    def on_snapshots_loaded(self, message: SnapshotsLoaded) -> None:
        for problem in message.loaded.problems:
            self.notify(problem, severity="error", timeout=15)
        self.main.show_loaded(message.loaded)
        # Full garbage collections between keys from now on, not inside their frames.
        self.call_after_refresh(self.collector.settle, self)

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Textual draws on stderr: with stderr sent to a file (`2>log`) and stdout on the
        terminal, it draws on stdout's terminal instead, and stderr is the file again
        afterwards (where the one-line error goes)."""
        swap = _stderr_is_not_the_terminal()
        saved = os.dup(2) if swap else None
        if saved is not None:
            os.dup2(1, 2)
        try:
            result = super().run(*args, **kwargs)
        finally:
            if saved is not None:
                os.dup2(saved, 2)
                os.close(saved)
        if self.session.load_error is not None and not self.session.is_loaded:
            self._return_code = 2  # nothing could be opened: say so to the shell as well
            print(f"leaktui: {self.session.load_error}", file=sys.stderr)
        return result

    # ------------------------------------------------------------------ app keys
    def action_help(self) -> None:
        from leaktui.tui.screens import HelpScreen, help_sections

        main = self.main
        focused = self.focused
        if focused is None and main.active_view and main.has_view(main.active_view):
            focused = main.query_one(f"#{main.active_view}")
        bindings = [*self.BINDINGS, *MainScreen.BINDINGS]
        self.push_screen(HelpScreen(help_sections(self.view_specs, bindings, focused)))

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Notifications carry file names, class names, titles and what the user typed: never
        Rich markup (`[/` in a filter or an id must not break the app). Each one is kept in
        `notices` too."""
        self.notices.append(Notice(message, severity))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def action_save_svg(self) -> None:
        path = self.save_screenshot(path=self.screenshot_dir)
        self.notify(f"Saved the screen to {path}")


def _stderr_is_not_the_terminal() -> bool:
    try:
        return (not os.isatty(2)) and os.isatty(1)
    except OSError:
        return False


def _driver(frame: EarlyFrame | None) -> type[Driver] | None:
    """leaktui's terminal driver (`leaktui.tui.driver`) wherever Textual would use its Linux
    driver (also on macOS); None leaves the choice to Textual."""
    if sys.platform == "win32" or os.environ.get("TEXTUAL_DRIVER"):
        return None
    from leaktui.tui.driver import driver_after

    return driver_after(frame)

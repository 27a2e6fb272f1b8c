"""The view switcher's contract. Each view is a widget behind a number key; the app builds
them from `ViewSpec`s, shows one at a time and tells every view that implements `LeakView`
when snapshots are loaded or the current snapshot changes.

To add a view: write a widget that also inherits `LeakView`, then either append a `ViewSpec`
to `DEFAULT_VIEWS` or pass `views=[*DEFAULT_VIEWS, ViewSpec(...)]` to `LeakApp`. A view asks
for an object to be investigated by posting `messages.ObjectChosen(node, snapshot)` (or
`messages.ObjectsChosen(nodes, title, snapshot)` for a list of objects)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from textual.widget import Widget

from leaktui.snapshot import HeapSnapshot
from leaktui.suspects import Suspect

if TYPE_CHECKING:
    from leaktui.tui.app import LeakApp


@dataclass(frozen=True)
class Loaded:
    """What views are given once loading is done (on the UI thread)."""

    snaps: list[HeapSnapshot]
    suspects: list[Suspect] = field(default_factory=list)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)  # about the series, for the user
    one_process: bool = True  # False: analyses that follow objects by id are off

    @property
    def last(self) -> int:
        return len(self.snaps) - 1


def focus_now(widget: Widget) -> None:
    """Give ``widget`` the focus before the next key is handled. `Widget.focus()` waits for
    the current message to end; keys that arrive in one batch (typed ahead, or pasted over
    SSH) would otherwise reach the widget that had the focus before."""
    widget.screen.set_focus(widget)


class LeakView:
    """Mixin for a view widget; every hook is optional and runs on the UI thread."""

    def snapshots_loaded(self, loaded: Loaded) -> None:
        """The snapshots are in (called once)."""

    def snapshot_changed(self, loaded: Loaded, index: int) -> None:
        """``loaded.snaps[index]`` is now the snapshot shown (also right after loading)."""

    def view_shown(self) -> None:
        """The view became visible: focus what the keys should go to."""
        widget = cast(Widget, self)
        for child in widget.query("*"):
            if child.focusable and child.display:
                focus_now(child)
                return
        widget.screen.set_focus(None)  # keys must not reach a pane of a hidden view


@dataclass(frozen=True)
class ViewSpec:
    key: str  # the number key: "1" .. "9"
    id: str  # the widget id, also the name in `action_view('<id>')`
    title: str  # the name shown in the help screen and the command palette
    make: Callable[[LeakApp], Widget]  # builds the view (called once, in compose)
    description: str = ""


def _investigate(app: LeakApp) -> Widget:
    from leaktui.tui.widgets.investigate import InvestigationView

    return InvestigationView(id="investigate")


def _growth(app: LeakApp) -> Widget:
    from leaktui.tui.widgets.growth import GrowthView

    return GrowthView(id="growth")


def _suspects(app: LeakApp) -> Widget:
    from leaktui.tui.widgets.suspects import SuspectsView

    return SuspectsView(id="suspects")


def _memory(app: LeakApp) -> Widget:
    from leaktui.tui.widgets.memory import MemoryPanel

    return MemoryPanel(metrics=app.metrics, poll=app.poll, limit=app.limit,
                       window_s=app.window_s, id="memory")


def _statistics(app: LeakApp) -> Widget:
    from leaktui.tui.widgets.statistics import StatisticsView

    return StatisticsView(id="statistics")


def _findings(app: LeakApp) -> Widget:
    from leaktui.tui.findings import FindingsView

    return FindingsView(id="findings")


DEFAULT_VIEWS: tuple[ViewSpec, ...] = (
    ViewSpec("1", "investigate", "classes, instances, retainers, object", _investigate,
             "DevTools' Summary: from a class to an object to a GC root"),
    ViewSpec("2", "growth", "growth between snapshots", _growth,
             "DevTools' Comparison, growing holders and survivors of a series"),
    ViewSpec("3", "suspects", "leak suspects", _suspects,
             "ranked leak patterns with evidence and a fix"),
    ViewSpec("4", "memory", "live memory", _memory,
             "a metrics file followed live (--metrics FILE)"),
    ViewSpec("5", "statistics", "statistics", _statistics,
             "the heap by kind (code, strings, arrays, typed arrays, system) and "
             "its duplicated strings"),
    ViewSpec("6", "findings", "pinned findings", _findings,
             "objects pinned with a note (p), saved beside the snapshot"),
)

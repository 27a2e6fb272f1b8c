"""The registry: the views behind the number keys, composed here and nowhere else.

Each view is a widget that also inherits `leaktui.tui.view.LeakView` (the contract, a leaf
module every view imports). To add a view: append a `ViewSpec` to `DEFAULT_VIEWS` or pass
`views=[*DEFAULT_VIEWS, ViewSpec(...)]` to `LeakApp`. A view asks for an object to be
investigated by posting `messages.OpenObject(node, snapshot)` (or
`messages.OpenObjects(nodes, title, snapshot)` for a list of objects). The widgets are
imported when a view is built, so the loading screen appears before they load."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from leaktui.tui.view import LeakView, Loaded, focus_now

if TYPE_CHECKING:
    from textual.widget import Widget

    from leaktui.tui.app import LeakApp

__all__ = ["DEFAULT_VIEWS", "LeakView", "Loaded", "ViewSpec", "focus_now"]


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
    from leaktui.tui.widgets.memory import MemoryView

    return MemoryView(metrics=app.metrics, poll=app.poll, limit=app.limit,
                      window_s=app.window_s, id="memory")


def _statistics(app: LeakApp) -> Widget:
    from leaktui.tui.widgets.statistics import StatisticsView

    return StatisticsView(id="statistics")


def _findings(app: LeakApp) -> Widget:
    from leaktui.tui.widgets.findings import FindingsView

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

"""The TUI's widgets: the investigation panes and the views behind the number keys.

Each is imported when first asked for (`from leaktui.tui.widgets import RetainerTree`), so
importing one light widget (the key bar) does not load them all, nor numpy and the core
before the first frame."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "PAGE": "instances",
    "ClassSummaryTable": "classes",
    "FindingsView": "findings",
    "GrowthTable": "growth",
    "GrowthView": "growth",
    "InstanceTable": "instances",
    "InvestigationView": "investigate",
    "MemoryView": "memory",
    "ObjectPane": "object",
    "ObjectTree": "object",
    "RetainerTree": "retainers",
    "StatisticsPane": "statistics",
    "StatisticsView": "statistics",
    "SuspectsTable": "suspects",
    "SuspectsView": "suspects",
}
__all__ = [
    "ClassSummaryTable",
    "FindingsView",
    "GrowthTable",
    "GrowthView",
    "InstanceTable",
    "InvestigationView",
    "MemoryView",
    "ObjectPane",
    "ObjectTree",
    "PAGE",
    "RetainerTree",
    "StatisticsPane",
    "StatisticsView",
    "SuspectsTable",
    "SuspectsView",
]

if TYPE_CHECKING:
    from leaktui.tui.widgets.classes import ClassSummaryTable
    from leaktui.tui.widgets.findings import FindingsView
    from leaktui.tui.widgets.growth import GrowthTable, GrowthView
    from leaktui.tui.widgets.instances import PAGE, InstanceTable
    from leaktui.tui.widgets.investigate import InvestigationView
    from leaktui.tui.widgets.memory import MemoryView
    from leaktui.tui.widgets.object import ObjectPane, ObjectTree
    from leaktui.tui.widgets.retainers import RetainerTree
    from leaktui.tui.widgets.statistics import StatisticsPane, StatisticsView
    from leaktui.tui.widgets.suspects import SuspectsTable, SuspectsView


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)

"""The TUI's widgets: the investigation panes and the views behind the number keys."""

from leaktui.tui.widgets.classes import ClassSummaryTable
from leaktui.tui.widgets.growth import GrowthTable, GrowthView
from leaktui.tui.widgets.instances import PAGE, InstanceTable
from leaktui.tui.widgets.investigate import InvestigationView
from leaktui.tui.widgets.memory import MemoryPanel
from leaktui.tui.widgets.object import ObjectPane, ObjectTree
from leaktui.tui.widgets.retainers import RetainerTree
from leaktui.tui.widgets.statistics import StatisticsPane, StatisticsView
from leaktui.tui.widgets.suspects import SuspectsTable, SuspectsView

__all__ = [
    "PAGE",
    "ClassSummaryTable",
    "GrowthTable",
    "GrowthView",
    "InstanceTable",
    "InvestigationView",
    "MemoryPanel",
    "ObjectPane",
    "ObjectTree",
    "RetainerTree",
    "StatisticsPane",
    "StatisticsView",
    "SuspectsTable",
    "SuspectsView",
]

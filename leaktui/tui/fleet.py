"""`leaktui watch --prometheus URL`: the fleet view. One row per instance (growing first),
refreshed live from range queries; `enter` opens an instance in the live memory view with
its history from Prometheus; `/` filters. When Prometheus fails, a message says so and the
rows already shown stay while it retries."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.widgets.data_table import RowDoesNotExist

from leaktui.errors import LeakTuiError
from leaktui.metrics.fleet import Fleet, FleetRow, fetch_fleet
from leaktui.metrics.prometheus import PrometheusSource
from leaktui.tui.frames import draw_when_ready
from leaktui.tui.memory import MemoryPanel
from leaktui.units import format_duration, format_rate, format_size

MARK = {"growing": "▲ GROWING", "stable": "= stable", "insufficient-data": "? too little data"}
COLUMNS = ("instance", "job", "labels", "rss", "heap used", "floor slope", "verdict",
           "to limit")


def _clock(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%H:%M:%S")


class FleetTable(DataTable[Text | str]):
    """The instances, keyed by their labels so a refresh keeps the cursor on its instance."""

    def show(self, rows: list[FleetRow], differing: list[str], limit: int | None) -> None:
        keep = None
        if self.row_count and 0 <= self.cursor_row < self.row_count:
            keep = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        cells = [self._cells(row, differing, limit) for row in rows]
        self.clear(columns=True)
        for i, name in enumerate(COLUMNS):
            width = max([len(name), *(len(c[i]) for c in cells)])
            self.add_column(name, width=width, key=name)
        for row, cell in zip(rows, cells, strict=True):
            verdict = Text(cell[6], style="bold red" if row.result.verdict == "growing"
                           else "")
            self.add_row(*cell[:6], verdict, cell[7], key=row.key)
        if keep is not None:
            with contextlib.suppress(RowDoesNotExist):  # it left the fleet (or the filter)
                self.move_cursor(row=self.get_row_index(keep))

    @staticmethod
    def _cells(row: FleetRow, differing: list[str], limit: int | None) -> list[str]:
        data, result = row.data, row.result
        labels = " ".join(f"{k}={data.labels[k]}" for k in differing if k in data.labels)
        rss, heap = row.last("rss"), row.last("heapUsed")
        verdict = MARK[result.verdict] + ("" if row.present else " (gone)") + \
            (f" ↻{data.restarts}" if data.restarts else "")
        eta = result.seconds_to_limit
        to_limit = "-" if not limit else "not rising" if eta is None else format_duration(eta)
        return [data.instance, data.job, labels,
                format_size(rss) if rss is not None else "-",
                format_size(heap) if heap is not None else "-",
                format_rate(row.slope), verdict, to_limit]


class InstanceScreen(Screen[None]):
    """One instance in the live memory view, its history from Prometheus."""

    BINDINGS = [Binding("escape,backspace", "app.pop_screen", "fleet")]

    def __init__(self, source: PrometheusSource, labels: dict[str, str], limit: int | None,
                 interval: float) -> None:
        super().__init__()
        self.view = MemoryPanel(fleet=source, instance=labels, limit=limit,
                               window_s=None, interval=interval, id="memory-view")

    def compose(self) -> ComposeResult:
        yield self.view
        yield Footer()

    def on_mount(self) -> None:
        draw_when_ready(self)


class FleetApp(App[None]):
    """The fleet view alone (`leaktui watch --prometheus URL`)."""

    TITLE = "leaktui fleet"

    CSS = """
    #fleet-header { padding: 0 1; text-style: bold; }
    #fleet-status { padding: 0 1; color: $warning; }
    #fleet-filter { display: none; }
    #fleet-filter.shown { display: block; }
    FleetTable { height: 1fr; }
    MemoryPanel { padding: 1 2; }
    """
    BINDINGS = [Binding("q", "quit", "quit"), Binding("slash", "filter", "filter"),
                Binding("escape", "clear_filter", "clear filter", show=False),
                Binding("r", "refresh_now", "refresh")]

    class Refreshed(Message):
        def __init__(self, fleet: Fleet) -> None:
            super().__init__()
            self.fleet = fleet

    class Failed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, source: PrometheusSource, limit: int | None = None,
                 interval: float = 10.0) -> None:
        super().__init__()
        self.source, self.limit, self.interval = source, limit, interval
        self.fleet: Fleet | None = None
        self.error: str | None = None
        self.filter_text = ""
        self.refreshes = 0
        self._wake = asyncio.Event()

    def compose(self) -> ComposeResult:
        yield Static(self.header_text(), id="fleet-header")
        yield Static("", id="fleet-status")
        yield Input(placeholder="filter: part of an instance, job or label", id="fleet-filter")
        table = FleetTable(id="fleet-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        draw_when_ready(self.screen)
        self.query_one(FleetTable).focus()
        self._watch_fleet()

    @work(exclusive=True, group="fleet", exit_on_error=False)
    async def _watch_fleet(self) -> None:
        while True:
            try:
                fleet = await asyncio.to_thread(fetch_fleet, self.source, self.limit)
            except LeakTuiError as exc:
                self.post_message(self.Failed(str(exc)))
            else:
                self.post_message(self.Refreshed(fleet))
            self._wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):  # not TimeoutError before 3.11
                await asyncio.wait_for(self._wake.wait(), self.interval)

    # -- what is shown -------------------------------------------------------------------

    def header_text(self) -> str:
        count = "…" if self.fleet is None else str(len(self.shown_rows()))
        total = "" if self.fleet is None or not self.filter_text \
            else f" of {len(self.fleet.rows)} (filter: {self.filter_text})"
        when = f", refreshed {_clock(self.fleet.fetched_at)}" if self.fleet else ""
        return (f"Fleet: {count} instances{total} from {self.source.url}, last "
                f"{format_duration(self.source.window_s)}{when}\n{self.source.query}")

    def shown_rows(self) -> list[FleetRow]:
        rows = self.fleet.rows if self.fleet else []
        needle = self.filter_text.lower()
        if not needle:
            return rows
        return [r for r in rows if needle in " ".join(
            [r.data.instance, r.data.job, *(f"{k}={v}" for k, v in r.data.labels.items())]
        ).lower()]

    def redraw(self) -> None:
        self.query_one("#fleet-header", Static).update(self.header_text())
        status = ""
        if self.error:
            had = f"; showing the data of {_clock(self.fleet.fetched_at)}" if self.fleet else ""
            status = f"{self.error} (retrying every {self.interval:g} s{had})"
        self.query_one("#fleet-status", Static).update(status)
        if self.fleet is not None:
            self.query_one(FleetTable).show(self.shown_rows(), self.fleet.differing,
                                            self.limit)

    def on_fleet_app_refreshed(self, message: Refreshed) -> None:
        self.fleet, self.error = message.fleet, None
        self.refreshes += 1
        self.redraw()

    def on_fleet_app_failed(self, message: Failed) -> None:
        self.error = message.error
        self.redraw()

    # -- keys ----------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#fleet-filter", Input)
        box.add_class("shown")
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#fleet-filter", Input)
        box.value = ""
        box.remove_class("shown")
        self.query_one(FleetTable).focus()

    def action_refresh_now(self) -> None:
        self._wake.set()

    @on(Input.Changed, "#fleet-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.redraw()

    @on(Input.Submitted, "#fleet-filter")
    def _filter_done(self) -> None:
        self.query_one(FleetTable).focus()

    @on(DataTable.RowSelected, "#fleet-table")
    def _open_instance(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        row = next((r for r in self.shown_rows() if r.key == key), None)
        if row is not None:
            self.push_screen(InstanceScreen(self.source, dict(row.data.labels), self.limit,
                                            self.interval))

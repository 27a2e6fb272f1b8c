"""The live memory view: sparklines for rss, heapUsed, heapTotal and external fed by a
watched metrics file (or /proc for a pid, a service's /metrics endpoint, one instance of a
Prometheus fleet), with slope, verdict and time to a limit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Footer, Static

from leaktui.errors import LeakTuiError
from leaktui.metrics import procfs
from leaktui.metrics.samples import Sample, SampleTable
from leaktui.metrics.status import deciding_series
from leaktui.metrics.tail import MetricsTail, watch_metrics
from leaktui.metrics.trend import Analysis, analyse, judged, sparkline
from leaktui.units import format_duration, format_rate, format_size

if TYPE_CHECKING:
    from leaktui.metrics.prometheus import PrometheusSource
    from leaktui.metrics.scrape import Endpoint

SHOWN = ("rss", "heapUsed", "heapTotal", "external")


class MemoryPanel(Static):
    """Renders the samples it is given; mounting it starts a worker feeding it. Samples are
    kept as columns (SampleTable), so a day of one-second samples redraws in milliseconds."""

    class Sampled(Message):
        """New samples (or with ``table`` the whole history, replacing what was shown);
        ``error`` says why the source failed this time (None: it answered)."""

        def __init__(self, batch: list[Sample], bad_lines: int, waiting: bool,
                     table: SampleTable | None = None, error: str | None = None) -> None:
            super().__init__()
            self.batch, self.bad_lines, self.waiting = batch, bad_lines, waiting
            self.table, self.error = table, error

    def __init__(self, path: str | None = None, pid: int | None = None, poll: bool = False,
                 limit: int | None = None, window_s: float | None = None,
                 endpoint: Endpoint | None = None, interval: float = 1.0,
                 fleet: PrometheusSource | None = None,
                 instance: dict[str, str] | None = None, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self.path, self.pid, self.poll, self.limit = path, pid, poll, limit
        self.window_s = window_s
        self.endpoint, self.interval = endpoint, interval
        self.fleet, self.instance = fleet, instance
        self.samples = SampleTable()
        self.bad_lines = 0
        self.waiting = True
        self.error: str | None = None
        self.result: Analysis | None = None

    def on_mount(self) -> None:
        self.render_samples()
        if self.path or self.pid or self.endpoint or self.fleet:
            self.watch_source()

    @work(exclusive=True, group="metrics", exit_on_error=False)
    async def watch_source(self) -> None:
        if self.endpoint is not None:
            from leaktui.metrics.scrape import watch_endpoint

            async for got in watch_endpoint(self.endpoint, self.interval):
                if isinstance(got, LeakTuiError):
                    self.post_message(self.Sampled([], 0, False, error=str(got)))
                else:
                    self.post_message(self.Sampled([got], 0, False))
            return
        if self.fleet is not None:
            await self._follow_instance(self.fleet, self.instance or {})
            return
        if self.pid is not None:
            try:
                async for sample in procfs.watch_pid(self.pid):
                    self.post_message(self.Sampled([sample], 0, False))
            except LeakTuiError as exc:
                self.error = f"{exc} (sampling stopped; the samples so far stay)"
                self.post_message(self.Sampled([], 0, False))
            return
        assert self.path is not None
        tail = MetricsTail(self.path)
        async for batch in watch_metrics(self.path, poll=self.poll, tail=tail):
            self.post_message(self.Sampled(batch, tail.bad_lines, tail.state.waiting))

    async def _follow_instance(self, fleet: PrometheusSource, labels: dict[str, str]) -> None:
        """One fleet instance's history by range queries, again every interval."""
        import asyncio

        while True:
            try:
                found = await asyncio.to_thread(fleet.fetch, None, labels)
            except LeakTuiError as exc:
                self.post_message(self.Sampled([], 0, False, error=f"{exc}"))
            else:
                if found:
                    self.post_message(self.Sampled([], 0, False, table=found[0].table))
                else:
                    self.post_message(self.Sampled(
                        [], 0, False, error="no samples of this instance in the window"))
            await asyncio.sleep(self.interval)

    def on_memory_panel_sampled(self, message: Sampled) -> None:
        if self.endpoint is not None or self.fleet is not None:
            self.error = None if message.error is None else \
                f"{message.error} (retrying every {self.interval:g} s; what was read stays)"
        if message.table is not None:
            self.samples = message.table
        self.samples.extend(message.batch)
        if message.bad_lines >= 0:
            self.bad_lines = message.bad_lines
        self.waiting = message.waiting
        self.result = analyse(self.samples, window_s=self.window_s, limit=self.limit) \
            if len(self.samples) else None
        self.render_samples()

    def summary_line(self) -> str:
        """One line for the header: rss sparkline, its last value and the verdict."""
        if self.result is None or not self.samples.has("rss"):
            return ""
        rss = self.samples.column("rss")
        rss = rss[~np.isnan(rss)]
        if not len(rss):
            return ""
        return f"rss {sparkline(rss, 20)} {format_size(float(rss[-1]))} {self.result.verdict}"

    def render_samples(self) -> None:
        t = Text()
        source = f"pid {self.pid}" if self.pid else (self.path or "no source")
        if self.endpoint is not None:
            source = self.endpoint.shown
        elif self.fleet is not None:
            source = ", ".join(f"{k}={v}" for k, v in sorted((self.instance or {}).items())) \
                + f" from {self.fleet.url}"
        t.append(f"Live memory: {source}\n", style="bold")
        if self.error:
            t.append(self.error + "\n")
        result = self.result
        if result is None:
            t.append("waiting for the first sample…" if self.endpoint or self.fleet else
                     "waiting for the first sample… (the file is created by the preload: "
                     "node -r \"$(leaktui preload-path)\" app.js)\n")
            self.update(t)
            return
        mark = {"growing": "▲ growing", "stable": "= stable",
                "insufficient-data": "? insufficient data"}[result.verdict]
        judged_what = f"last {format_duration(self.window_s)}" if self.window_s \
            else "the current process"
        t.append(f"verdict: {mark}   {result.samples:,} samples over {result.span_s:,.0f} s "
                 f"({judged_what})", style="bold")
        deciding = deciding_series(result)
        if deciding is not None:
            t.append(f"\nfloor after GC of {deciding}: "
                     f"{format_rate(result.stats[deciding].slope_bytes_per_hour)}")
        t.append("\n\n")
        shown = judged(self.samples, self.window_s)
        for name in SHOWN:
            st = result.stats.get(name)
            if st is None:
                continue
            arrow = "▲" if st.rising else "·"
            t.append(f"{name:10} {sparkline(shown.column(name), 48, fit=True):48} ")
            t.append(f"last {format_size(st.last)}  min {format_size(st.min)}  max "
                     f"{format_size(st.max)}  {arrow} {format_rate(st.slope_bytes_per_hour)}\n")
        gc_line = gc_summary(shown)
        if gc_line:
            t.append("\n" + gc_line + "\n")
        if self.limit:
            eta = result.seconds_to_limit
            when = "not at the current slope" if eta is None else f"in about {format_duration(eta)}"
            t.append(f"\nlimit {format_size(self.limit)}: rss reaches it {when}\n")
        if self.bad_lines:
            t.append(f"\n{self.bad_lines} unreadable lines skipped\n")
        if self.waiting:
            t.append("\nthe file is gone (rotated or deleted): waiting for it to come back\n")
        self.update(t)


def gc_summary(table: SampleTable) -> str:
    """Collections, major ones and pause time over the samples (counters from the preload)."""
    if not table.has("gcCount"):
        return ""
    count = table.column("gcCount")
    rows = np.flatnonzero(~np.isnan(count))
    if len(rows) < 2:
        return ""
    first, last = int(rows[0]), int(rows[-1])
    span_s = max(float(table.ts[last] - table.ts[first]), 1e-9)

    def delta(key: str) -> float:
        if not table.has(key):
            return 0.0
        col = table.column(key)
        a, b = col[first], col[last]
        return 0.0 if np.isnan(a) or np.isnan(b) else float(b - a)

    pause = delta("gcPauseMs")
    return (f"GC: {delta('gcCount'):,.0f} collections ({delta('gcMajor'):,.0f} major), "
            f"{pause:,.1f} ms paused = {100 * pause / 1000 / span_s:.2f}% of the time")


class MemoryApp(App[None]):
    """`leaktui watch`: the live memory view alone."""

    CSS = "MemoryPanel { padding: 1 2; }"
    BINDINGS = [Binding("q", "quit", "quit")]

    def __init__(self, path: str | None = None, pid: int | None = None, poll: bool = False,
                 limit: int | None = None, window_s: float | None = None,
                 endpoint: Endpoint | None = None, interval: float = 1.0) -> None:
        super().__init__()
        self.view = MemoryPanel(path=path, pid=pid, poll=poll, limit=limit, window_s=window_s,
                               endpoint=endpoint, interval=interval, id="memory-view")

    def compose(self) -> ComposeResult:
        yield self.view
        yield Footer()

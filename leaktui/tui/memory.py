"""The live memory view: sparklines for rss, heapUsed, heapTotal and external fed by a
watched metrics file (or /proc for a pid), with slope, verdict and time to a limit."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Footer, Static

from leaktui.errors import LeakTuiError
from leaktui.metrics import procfs
from leaktui.metrics.samples import Sample
from leaktui.metrics.tail import MetricsTail, watch_metrics
from leaktui.metrics.trend import all_stats, sparkline, time_to_limit, verdict
from leaktui.tui import model

SHOWN = ("rss", "heapUsed", "heapTotal", "external")


class MemoryView(Static):
    """Renders the samples it is given; `watch()` starts a worker feeding it."""

    class Sampled(Message):
        def __init__(self, batch: list[Sample], bad_lines: int, waiting: bool) -> None:
            super().__init__()
            self.batch, self.bad_lines, self.waiting = batch, bad_lines, waiting

    def __init__(self, path: str | None = None, pid: int | None = None, poll: bool = False,
                 limit: int | None = None, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self.path, self.pid, self.poll, self.limit = path, pid, poll, limit
        self.samples: list[Sample] = []
        self.bad_lines = 0
        self.waiting = True
        self.error: str | None = None

    def on_mount(self) -> None:
        self.render_samples()
        if self.path or self.pid:
            self.watch_source()

    @work(exclusive=True, group="metrics", exit_on_error=False)
    async def watch_source(self) -> None:
        if self.pid is not None:
            try:
                while True:
                    self.post_message(self.Sampled([procfs.sample(self.pid)], 0, False))
                    await asyncio.sleep(1.0)
            except LeakTuiError as exc:
                self.error = str(exc)
                self.post_message(self.Sampled([], 0, False))
            return
        assert self.path is not None
        tail = MetricsTail(self.path)
        async for batch in watch_metrics(self.path, poll=self.poll, tail=tail):
            self.post_message(self.Sampled(batch, tail.bad_lines, tail.state.waiting))

    def on_memory_view_sampled(self, message: Sampled) -> None:
        self.samples.extend(message.batch)
        if message.bad_lines >= 0:
            self.bad_lines = message.bad_lines
        self.waiting = not self.samples
        self.render_samples()

    def summary_line(self) -> str:
        """One line for the header: rss sparkline and the verdict."""
        if not self.samples:
            return ""
        rss = [s.values["rss"] for s in self.samples if "rss" in s.values]
        return f"rss {sparkline(rss, 20)} {model.size(rss[-1]) if rss else ''} " \
               f"{verdict(self.samples)}"

    def render_samples(self) -> None:
        t = Text()
        source = f"pid {self.pid}" if self.pid else (self.path or "no source")
        t.append(f"Live memory: {source}\n", style="bold")
        if self.error:
            t.append(self.error + "\n")
        if not self.samples:
            t.append("waiting for the first sample… (the file is created by the preload: "
                     "node -r \"$(leaktui preload-path)\" app.js)\n")
            self.update(t)
            return
        v = verdict(self.samples)
        mark = {"growing": "▲ growing", "stable": "= stable",
                "insufficient-data": "? insufficient data"}[v]
        span = self.samples[-1].ts - self.samples[0].ts
        t.append(f"verdict: {mark}   {len(self.samples):,} samples over {span:,.0f} s",
                 style="bold")
        t.append("\n\n")
        stats = all_stats(self.samples)
        for name in SHOWN:
            if name not in stats:
                continue
            st = stats[name]
            values = [s.values[name] for s in self.samples if name in s.values]
            rate = model.size(st.slope_bytes_per_hour)
            arrow = "▲" if st.rising else "·"
            t.append(f"{name:10} {sparkline(values, 48):48} ")
            t.append(f"last {model.size(st.last)}  min {model.size(st.min)}  max "
                     f"{model.size(st.max)}  {arrow} {rate}/h\n")
        gc = [s.values for s in self.samples if "gcCount" in s.values]
        if len(gc) >= 2:
            span_s = max(self.samples[-1].ts - self.samples[0].ts, 1e-9)
            count = gc[-1]["gcCount"] - gc[0]["gcCount"]
            major = gc[-1].get("gcMajor", 0.0) - gc[0].get("gcMajor", 0.0)
            pause = gc[-1].get("gcPauseMs", 0.0) - gc[0].get("gcPauseMs", 0.0)
            t.append(f"\nGC: {count:,.0f} collections ({major:,.0f} major), {pause:,.1f} ms "
                     f"paused = {100 * pause / 1000 / span_s:.2f}% of the time\n")
        if self.limit:
            eta = time_to_limit(self.samples, self.limit)
            when = "not at the current slope" if eta is None else f"in about {eta / 3600:.1f} h"
            t.append(f"\nlimit {model.size(self.limit)}: reached {when}\n")
        if self.bad_lines:
            t.append(f"\n{self.bad_lines} unreadable lines skipped\n")
        self.update(t)


class MemoryApp(App[None]):
    """`leaktui watch`: the live memory view alone."""

    CSS = "MemoryView { padding: 1 2; }"
    BINDINGS = [Binding("q", "quit", "quit")]

    def __init__(self, path: str | None = None, pid: int | None = None, poll: bool = False,
                 limit: int | None = None) -> None:
        super().__init__()
        self.view = MemoryView(path=path, pid=pid, poll=poll, limit=limit, id="memory-view")

    def compose(self) -> ComposeResult:
        yield self.view
        yield Footer()

"""One service's Prometheus metrics endpoint (`leaktui watch http://HOST:PORT/metrics`): no
Prometheus server, the endpoint is scraped every interval and each scrape is one sample with
the fields of a metrics file. The exposition format is parsed by prometheus_client's parser."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator

from leaktui.errors import LeakTuiError
from leaktui.metrics.http import Credentials, first_line, get, public_url, split_url
from leaktui.metrics.prometheus import NODE_METRICS, RSS_METRIC, START_METRIC
from leaktui.metrics.samples import PID_KEY, Sample

ACCEPT = "text/plain;version=0.0.4;q=0.9,*/*;q=0.1"


def is_url(text: str | None) -> bool:
    return bool(text) and str(text).lower().startswith(("http://", "https://"))


def parse_exposition(text: str, metric: str | None = None) -> dict[str, float]:
    """The sample fields in a scrape: rss (or ``metric``), heapUsed, heapTotal, external,
    the GC counters and the process start time (as `pid`: it identifies the process)."""
    from prometheus_client.parser import text_string_to_metric_families

    values: dict[str, float] = {}
    rss_name = metric or RSS_METRIC
    try:
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if s.name == rss_name:
                    values["rss"] = float(s.value)
                elif s.name in NODE_METRICS and not metric:
                    values[NODE_METRICS[s.name]] = float(s.value)
                elif s.name == START_METRIC:
                    values[PID_KEY] = float(s.value)
                elif s.name == "nodejs_gc_duration_seconds_count":
                    values["gcCount"] = values.get("gcCount", 0.0) + float(s.value)
                    if s.labels.get("kind") == "major":
                        values["gcMajor"] = values.get("gcMajor", 0.0) + float(s.value)
                elif s.name == "nodejs_gc_duration_seconds_sum":
                    values["gcPauseMs"] = values.get("gcPauseMs", 0.0) + 1000 * float(s.value)
    except (ValueError, TypeError, IndexError) as exc:
        raise LeakTuiError(f"not the Prometheus text format ({exc})") from None
    return values


class Endpoint:
    """Scrapes ``url``; each `scrape()` is a Sample or a LeakTuiError."""

    def __init__(self, url: str, creds: Credentials | None = None,
                 metric: str | None = None, timeout: float = 5.0) -> None:
        self.url, self.creds = split_url(url, creds or Credentials())
        self.shown = public_url(self.url)
        self.metric, self.timeout = metric, timeout

    def scrape(self) -> Sample:
        status, body = get(self.url, self.creds, ACCEPT, self.timeout)
        if status != 200:
            detail = first_line(body)
            raise LeakTuiError(f"{self.shown}: HTTP {status}" + (f": {detail}" if detail else ""))
        try:
            values = parse_exposition(body.decode("utf-8", "replace"), self.metric)
        except LeakTuiError as exc:
            raise LeakTuiError(f"{self.shown}: {exc}") from None
        if "rss" not in values and "heapUsed" not in values:
            raise LeakTuiError(f"{self.shown}: metric {self.metric or RSS_METRIC} missing "
                               "(is this a Prometheus client's /metrics?)")
        return Sample(time.time(), values)


async def watch_endpoint(endpoint: Endpoint, interval: float = 1.0
                         ) -> AsyncGenerator[Sample | LeakTuiError, None]:
    """A sample (or the error of that scrape) now and every ``interval`` seconds, forever:
    a service that is down is retried; the caller keeps what it had."""
    while True:
        started = time.monotonic()
        try:
            yield await asyncio.to_thread(endpoint.scrape)
        except LeakTuiError as exc:
            yield exc
        await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

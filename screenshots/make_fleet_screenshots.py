#!/usr/bin/env python3
"""SVG screenshots of the fleet view (`leaktui watch --prometheus URL`), from a real fleet:
Debian's prometheus scraping four Node services with prom-client's default metrics (two of
them leaking), started here exactly as the tests start them, and stopped after.

    python screenshots/make_fleet_screenshots.py

Writes fleet.svg (the fleet, growing first) and fleet-instance.svg (`enter` on the first row:
that instance in the live memory view, its history from Prometheus).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from prometheus_support import Prometheus, Service, wait_for  # noqa: E402

from leaktui.metrics.prometheus import PrometheusSource  # noqa: E402
from leaktui.tui.fleet import FleetApp, InstanceScreen  # noqa: E402
from leaktui.tui.memory import MemoryPanel  # noqa: E402

POINTS = 60


async def shoot(url: str) -> None:
    app = FleetApp(PrometheusSource(url, '{job="api"}', window_s=120), limit=1024**3,
                   interval=2.0)
    async with app.run_test(size=(120, 24)) as pilot:
        deadline = time.monotonic() + 60
        while app.fleet is None:
            if time.monotonic() > deadline:
                raise SystemExit("the fleet view got no data from Prometheus in 60 s")
            await pilot.pause(0.2)
        await pilot.pause(0.5)
        app.save_screenshot("fleet.svg", str(HERE))
        await pilot.press("enter")
        while not isinstance(app.screen, InstanceScreen) or \
                app.screen.query_one(MemoryPanel).result is None:
            if time.monotonic() > deadline:
                raise SystemExit("the instance view got no history in time")
            await pilot.pause(0.2)
        await pilot.pause(0.5)
        app.save_screenshot("fleet-instance.svg", str(HERE))


def main() -> None:
    names = {"api-0": "leak", "api-1": "steady", "api-2": "steady", "api-3": "leak",
             "api-4": "steady"}
    services = [Service(name, mode) for name, mode in names.items()]
    with tempfile.TemporaryDirectory() as folder:
        prometheus = Prometheus(Path(folder), services)
        try:
            for s in services:
                s.start()
            prometheus.start()
            wait_for(prometheus.targets_up, 60, "the services to be scraped")
            prometheus.wait_for_points(POINTS, 180)
            asyncio.run(shoot(prometheus.url))
        finally:
            prometheus.stop()
            for s in services:
                s.stop()
    print("wrote fleet.svg and fleet-instance.svg in", HERE)


if __name__ == "__main__":
    main()

"""A real Prometheus (Debian's `prometheus` package) scraping real Node services that use
prom-client's collectDefaultMetrics: started by the tests on free loopback ports with a 1 s
scrape interval and a temporary storage folder, stopped after. Every wait polls a condition and
fails with a message when it times out."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import node_binary
from npm_support import npm_project


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition: Callable[[], bool], seconds: float, what: str,
             every: float = 0.2) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:g} s waiting for {what}")
        time.sleep(every)


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


class Service:
    """`node service.js PORT MODE` from tests/programs/npm/fleet (prom-client)."""

    def __init__(self, name: str, mode: str, port: int | None = None) -> None:
        self.name, self.mode = name, mode
        self.port = port or free_port()
        self.proc: subprocess.Popen[str] | None = None

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> Service:
        folder = npm_project("fleet")
        self.proc = subprocess.Popen([node_binary(), "service.js", str(self.port), self.mode],
                                     cwd=folder, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()  # blocks until the server listens (or dies)
        if not first.startswith("listening"):
            raise AssertionError(f"service {self.name} did not start: {first!r}")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None


def prometheus_binary() -> str:
    found = shutil.which("prometheus")
    if found is None:
        raise RuntimeError("Debian's `prometheus` package is required for the fleet tests "
                           "(scripts/test-deps installs it; .ci/run and the README's quick "
                           "start run it)")
    return found


class Prometheus:
    """One Prometheus scraping ``services`` every second (job `api`, label `pod` the
    service's name), and itself (job `prometheus`: a Go exporter, no Node metrics)."""

    def __init__(self, folder: Path, services: list[Service], job: str = "api") -> None:
        self.folder, self.services, self.job = folder, services, job
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = folder / "prometheus.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self) -> Path:
        targets = [{"targets": [s.target], "labels": {"pod": s.name}} for s in self.services]
        config = {"global": {"scrape_interval": "1s", "scrape_timeout": "1s",
                             "evaluation_interval": "1s"},
                  "scrape_configs": [
                      {"job_name": self.job, "static_configs": targets},
                      {"job_name": "prometheus",
                       "static_configs": [{"targets": [f"127.0.0.1:{self.port}"]}]}]}
        path = self.folder / "prometheus.yml"
        path.write_text(json.dumps(config))  # JSON is YAML
        return path

    def start(self) -> Prometheus:
        config = self.write_config()
        (self.folder / "data").mkdir(exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [prometheus_binary(), f"--config.file={config}",
                 f"--storage.tsdb.path={self.folder / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}",
                 "--storage.tsdb.retention.time=1d", "--log.level=warn"],
                stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.ready, 60, f"Prometheus to be ready on {self.url} (log: {self.log})")
        return self

    def ready(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"Prometheus exited with {self.proc.returncode}: "
                                 f"{self.log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def targets_up(self) -> bool:
        active = get_json(f"{self.url}/api/v1/targets")["data"]["activeTargets"]
        return len(active) == len(self.services) + 1 and \
            all(t["health"] == "up" for t in active)

    def samples(self, metric: str = "process_resident_memory_bytes",
                window: str = "5m") -> dict[str, int]:
        """Points per pod in the last ``window``."""
        query = urllib.parse.urlencode(
            {"query": f'count_over_time({metric}{{job="{self.job}"}}[{window}])'})
        result = get_json(f"{self.url}/api/v1/query?{query}")["data"]["result"]
        return {r["metric"].get("pod", "?"): int(float(r["value"][1])) for r in result}

    def wait_for_points(self, points: int, seconds: float) -> None:
        """Until every service has ``points`` scraped samples."""
        wait_for(lambda: len(got := self.samples()) == len(self.services)
                 and min(got.values()) >= points, seconds,
                 f"{points} samples of every service in Prometheus")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None


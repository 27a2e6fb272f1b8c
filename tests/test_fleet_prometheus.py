"""The fleet from a real Prometheus: Debian's prometheus scraping real Node services
(prom-client's collectDefaultMetrics) every second, two of them leaking. `report
--prometheus`, `watch --prometheus` (the fleet view), faults, a restarted service, and
Prometheus stopped in the middle of a watch."""

from __future__ import annotations

import http.server
import json
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_support import Prometheus, Service, free_port, wait_for
from tui_support import wait_until

from leaktui.metrics.fleet import FleetRow, fetch_fleet
from leaktui.metrics.prometheus import PrometheusSource

LEAKING = ("api-0", "api-3")
STEADY = ("api-1", "api-2")
MATCH = '{job="api"}'
WINDOW = "90s"
POINTS = 40  # scraped samples of every service before the fleet is judged


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`leaktui ARGS` run in this process (the same main() as the command; no interpreter
    start per call), its exit status, stdout and stderr."""
    import contextlib
    import io
    import os

    from leaktui.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = dict(os.environ)
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = int(exc.code or 0)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


class Fleet:
    def __init__(self, services: dict[str, Service], prometheus: Prometheus) -> None:
        self.services, self.prometheus = services, prometheus

    @property
    def url(self) -> str:
        return self.prometheus.url


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    services = {name: Service(name, "leak" if name in LEAKING else "steady")
                for name in sorted(LEAKING + STEADY)}
    prometheus = Prometheus(tmp_path_factory.mktemp("prometheus"), list(services.values()))
    try:
        for s in services.values():
            s.start()
        prometheus.start()
        wait_for(prometheus.targets_up, 60, "every service to be scraped (targets up)")
        prometheus.wait_for_points(POINTS, 120)
        yield Fleet(services, prometheus)
    finally:
        prometheus.stop()
        for s in services.values():
            s.stop()


def pod_of(instance: dict[str, object]) -> str:
    labels = instance["labels"]
    assert isinstance(labels, dict)
    return str(labels["pod"])


def test_report_puts_the_leaking_instances_first_as_growing_and_the_others_stable(
        fleet: Fleet) -> None:
    done = cli("report", "--prometheus", fleet.url, "--match", MATCH, "--window", WINDOW,
               "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    block = report["fleet"]
    assert block["source"] == fleet.url and block["match"] == MATCH and block["window_s"] == 90
    instances = block["instances"]
    assert {pod_of(i) for i in instances[:2]} == set(LEAKING)
    verdicts = {pod_of(i): i["verdict"] for i in instances}
    assert verdicts == {"api-0": "growing", "api-3": "growing", "api-1": "stable",
                        "api-2": "stable"}
    first = instances[0]
    assert first["job"] == "api" and first["instance"] == fleet.services[pod_of(first)].target
    assert set(first["series"]) == {"rss", "heapUsed", "heapTotal", "external"}
    assert set(first["series"]["heapUsed"]) == {"last", "min", "max", "slope_bytes_per_hour",
                                                "rising"}
    assert first["series"]["heapUsed"]["rising"] is True
    assert all(i["present"] and i["restarts"] == 0 for i in instances)
    assert report["snapshots"] == [] and report["metrics"] is None


def test_another_exporter_is_judged_on_its_rss_and_metric_names_another_series(
        fleet: Fleet) -> None:
    go = cli("report", "--prometheus", fleet.url, "--match", '{job="prometheus"}',
             "--window", WINDOW, "--format", "json")
    assert go.returncode == 0, go.stderr
    (prometheus_itself,) = json.loads(go.stdout)["fleet"]["instances"]
    assert set(prometheus_itself["series"]) == {"rss"}  # no Node heap series there
    assert prometheus_itself["verdict"] in ("growing", "stable")
    # The heap in use under its exporter's name (not heapTotal: V8 commits that in steps, and
    # 40 s of a step function need not climb in their later half, so it is not a fair judge).
    used = cli("report", "--prometheus", fleet.url, "--match", MATCH, "--window", WINDOW,
               "--metric", "nodejs_heap_size_used_bytes", "--format", "json")
    assert used.returncode == 0, used.stderr
    instances = json.loads(used.stdout)["fleet"]["instances"]
    assert all(set(i["series"]) == {"nodejs_heap_size_used_bytes"} for i in instances)
    verdicts = {pod_of(i): i["verdict"] for i in instances}
    assert verdicts == {"api-0": "growing", "api-3": "growing", "api-1": "stable",
                        "api-2": "stable"}


def test_report_fail_on_growing_exits_1_when_an_instance_grows(fleet: Fleet) -> None:
    growing = cli("report", "--prometheus", fleet.url, "--match", MATCH, "--window", WINDOW,
                  "--fail-on", "growing")
    assert growing.returncode == 1, growing.stderr
    calm = cli("report", "--prometheus", fleet.url, "--match", '{job="api", pod=~"api-[12]"}',
               "--window", WINDOW, "--fail-on", "growing")
    assert calm.returncode == 0, calm.stderr
    assert "GROWING" not in calm.stdout and calm.stdout.count("= stable") == 2


def test_markdown_report_is_a_table_of_instances_with_a_sparkline_each(fleet: Fleet) -> None:
    done = cli("report", "--prometheus", fleet.url, "--match", MATCH, "--window", WINDOW,
               "--format", "markdown")
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| 127.0.0.1:")]
    assert len(rows) == 4
    assert "▲ GROWING" in rows[0] and "▲ GROWING" in rows[1]
    assert all(any(ch in row for ch in "▁▂▃▄▅▆▇█") for row in rows)
    assert done.stdout.startswith("## Fleet: 4 instances from " + fleet.url)


@pytest.mark.parametrize(("args", "expected"), [
    (["--match", '{job="nope"}'], 'the selector {job="nope"} matches no series'),
    (["--match", MATCH, "--metric", "jvm_memory_used_bytes"],
     "metric jvm_memory_used_bytes missing"),
    (["--match", '{job=~"("}'], "HTTP 400: bad_data"),
    (["--match", 'up{job="api"}'], "give label matchers only"),
])
def test_report_refuses_a_bad_fleet_query_in_one_line(fleet: Fleet, args: list[str],
                                                      expected: str) -> None:
    done = cli("report", "--prometheus", fleet.url, "--window", WINDOW, *args)
    assert done.returncode == 2
    assert expected in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_report_names_an_unreachable_server_and_one_that_is_not_prometheus(
        fleet: Fleet) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    done = cli("report", "--prometheus", nobody)
    assert done.returncode == 2 and "connection refused" in done.stderr
    assert done.stderr.count("\n") == 1
    service = fleet.services["api-1"]
    done = cli("report", "--prometheus", f"http://{service.target}")
    assert done.returncode == 2 and "is not Prometheus' query API" in done.stderr


class AuthProxy(http.server.BaseHTTPRequestHandler):
    """Forwards to Prometheus only requests carrying the expected Authorization header."""

    upstream = ""
    expected = ""
    paths: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        given = self.headers.get("Authorization", "")
        self.paths.append(self.path)
        if given != self.expected:
            self.send_response(401)
            self.end_headers()
            self.wfile.write(b"unauthorized\n")
            return
        with urllib.request.urlopen(self.upstream + self.path, timeout=10) as r:
            body = r.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def serve_auth_proxy(upstream: str, expected: str) -> tuple[http.server.HTTPServer, str]:
    handler = type("Proxy", (AuthProxy,), {"upstream": upstream, "expected": expected,
                                           "paths": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def test_bearer_token_and_basic_auth_are_sent_and_never_printed(fleet: Fleet) -> None:
    token = "tok-7f3a-secret"
    server, url = serve_auth_proxy(fleet.url, f"Bearer {token}")
    try:
        ok = cli("report", "--prometheus", url, "--match", MATCH, "--format", "json",
                 env={"LEAKTUI_PROMETHEUS_TOKEN": token})
        assert ok.returncode == 0, ok.stderr
        assert len(json.loads(ok.stdout)["fleet"]["instances"]) == 4
        refused = cli("report", "--prometheus", url, "--bearer-token", "wrong-secret-9")
        assert refused.returncode == 2 and "HTTP 401" in refused.stderr
        assert "wrong-secret-9" not in refused.stderr + refused.stdout
        assert token not in ok.stdout + ok.stderr
    finally:
        server.shutdown()
    import base64

    basic = "Basic " + base64.b64encode(b"ops:pa55-word").decode()
    server, url = serve_auth_proxy(fleet.url, basic)
    try:
        with_user = url.replace("http://", "http://ops:pa55-word@")
        ok = cli("report", "--prometheus", with_user, "--match", MATCH, "--format", "json")
        assert ok.returncode == 0, ok.stderr
        assert "pa55-word" not in ok.stdout + ok.stderr
        assert json.loads(ok.stdout)["fleet"]["source"] == url
        bad = cli("report", "--prometheus", url, "--user", "ops:nope-pass")
        assert bad.returncode == 2 and "nope-pass" not in bad.stderr
    finally:
        server.shutdown()


def test_a_refresh_is_two_range_queries_for_the_whole_fleet_sized_to_the_window(
        fleet: Fleet) -> None:
    server, url = serve_auth_proxy(fleet.url, "")
    try:
        proxy = server.RequestHandlerClass
        source = PrometheusSource(url, MATCH, window_s=2 * 3600)
        rows = fetch_fleet(source).rows
        assert len(rows) == 4
        paths = proxy.paths  # type: ignore[attr-defined]
        assert len(paths) == 2 and all("/api/v1/query_range?" in p for p in paths)
        params = [urllib.parse.parse_qs(urllib.parse.urlsplit(p).query) for p in paths]
        for q in params:
            start, end, step = (float(q[k][0]) for k in ("start", "end", "step"))
            assert end - start == pytest.approx(2 * 3600)
            assert 200 <= (end - start) / step <= 300  # a few hundred points per instance
    finally:
        server.shutdown()


def test_tls_certificates_are_verified(tmp_path: Path) -> None:
    import ssl

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AuthProxy)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = cli("report", "--prometheus", f"https://127.0.0.1:{server.server_address[1]}")
        assert done.returncode == 2
        assert "TLS failed" in done.stderr and "CERTIFICATE_VERIFY_FAILED" in done.stderr
        assert done.stderr.count("\n") == 1
    finally:
        server.shutdown()



async def test_fleet_view_lists_growing_first_filters_and_opens_an_instance(
        fleet: Fleet) -> None:
    from leaktui.tui.fleet import FleetApp, FleetTable, InstanceScreen
    from leaktui.tui.memory import MemoryPanel

    source = PrometheusSource(fleet.url, MATCH, window_s=90)
    app = FleetApp(source, interval=1.0)
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_until(pilot, lambda: app.fleet is not None, 30, "the first refresh")
        table = app.query_one(FleetTable)
        assert table.row_count == 4
        verdicts = [str(table.get_row_at(i)[6]) for i in range(4)]
        assert verdicts[:2] == ["▲ GROWING"] * 2, verdicts
        header = str(app.query_one("#fleet-header").render())
        assert "Fleet: 4 instances" in header and 'job="api"' in header
        await pilot.press("slash", *"api-1", "enter")
        assert table.row_count == 1 and "api-1" in str(table.get_row_at(0)[2])
        await pilot.press("escape")
        assert table.row_count == 4
        table.move_cursor(row=0)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen), 30, "the instance")
        view = app.screen.query_one(MemoryPanel)
        await wait_until(pilot, lambda: view.result is not None, 30, "the instance's history")
        assert view.result is not None and view.result.verdict == "growing"
        assert len(view.samples) >= POINTS
        text = str(view.render())
        assert "pod=api-" in text and "heapUsed" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, InstanceScreen)


async def test_fleet_view_keeps_its_rows_and_says_so_while_prometheus_is_down(
        fleet: Fleet, tmp_path: Path) -> None:
    from leaktui.tui.fleet import FleetApp, FleetTable

    own = Prometheus(tmp_path, list(fleet.services.values()))
    own.start()
    try:
        own.wait_for_points(3, 60)
        app = FleetApp(PrometheusSource(own.url, MATCH, window_s=60), interval=0.5)
        async with app.run_test(size=(140, 30)) as pilot:
            table = app.query_one(FleetTable)
            await wait_until(pilot, lambda: table.row_count == 4, 30, "the fleet's rows")
            own.stop()
            await wait_until(pilot, lambda: app.error is not None, 60, "the outage to be noticed")
            assert "connection refused" in (app.error or "")
            status = str(app.query_one("#fleet-status").render())
            assert "retrying every 0.5 s; showing the data of" in status
            assert table.row_count == 4  # what was on screen stays
            own.start()
            seen = app.refreshes
            await wait_until(pilot, lambda: app.error is None and app.refreshes > seen, 30,
                        "the view to recover once Prometheus is back")
            assert table.row_count == 4
            assert str(app.query_one("#fleet-status").render()) == ""
    finally:
        own.stop()


def test_watch_once_prints_the_fleet_table(fleet: Fleet) -> None:
    done = cli("watch", "--prometheus", fleet.url, "--match", MATCH, "--window", WINDOW,
               "--once")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("127.0.0.1:")]
    assert len(lines) == 4 and "▲ GROWING" in lines[0]


def test_watch_scrapes_a_metrics_endpoint_without_prometheus(fleet: Fleet) -> None:
    service = fleet.services["api-0"]
    done = cli("watch", f"http://{service.target}/metrics", "--once")
    assert done.returncode == 0, done.stderr
    assert " rss " in done.stdout and " heapUsed " in done.stdout
    gone = cli("watch", f"http://127.0.0.1:{free_port()}/metrics", "--once")
    assert gone.returncode == 2 and "connection refused" in gone.stderr


async def test_live_memory_view_follows_a_metrics_endpoint(fleet: Fleet) -> None:
    from leaktui.metrics.scrape import Endpoint
    from leaktui.tui.memory import MemoryApp, MemoryPanel

    service = fleet.services["api-0"]
    app = MemoryApp(endpoint=Endpoint(f"http://{service.target}/metrics"), interval=0.2)
    async with app.run_test(size=(140, 30)) as pilot:
        view = app.query_one(MemoryPanel)
        await wait_until(pilot, lambda: len(view.samples) >= 3, 20, "three scrapes")
        assert view.samples.has("heapUsed") and view.samples.has("gcCount")
        assert f"Live memory: http://{service.target}/metrics" in str(view.render())


def test_a_restarted_service_is_a_new_run_not_a_drop_to_zero(fleet: Fleet) -> None:
    service = fleet.services["api-3"]
    source = PrometheusSource(fleet.url, MATCH, window_s=300)

    def row() -> FleetRow:
        return next(r for r in fetch_fleet(source).rows if r.data.labels["pod"] == "api-3")

    before = row()
    service.stop()
    service.start()  # same port, same labels: a new process behind the same series
    restarted = time.time()
    # The new process leaks too: once it has enough samples of its own it is growing again.
    wait_for(lambda: (r := row()).data.restarts == 1 and r.result.samples >= 25
             and r.result.verdict == "growing", 90,
             "the restarted service to be judged growing on its own samples")
    after = row()
    # Judged from the new process only: fewer samples than the whole history, a span that
    # starts after the restart, and a minimum that is the new process's, not zero.
    assert after.result.samples < len(after.data.table)
    assert after.result.span_s <= time.time() - restarted + 2
    assert after.result.stats["rss"].min > 0
    assert after.result.stats["heapUsed"].max < before.result.stats["heapUsed"].max * 2
    # The GC counters restart with the process; the fleet undoes the reset.
    gc = after.data.table.column("gcCount")
    known = gc[gc == gc]
    assert (known[1:] >= known[:-1]).all()

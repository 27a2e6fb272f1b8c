"""The parts of the fleet that need no Prometheus: credentials that never show, selectors,
counter resets, refusals before any request, and a core free of the UI."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from prometheus_support import free_port
from tui_support import wait_until

from leaktui.errors import LeakTuiError
from leaktui.metrics.http import Credentials, credentials, public_url, split_url
from leaktui.metrics.prometheus import matchers, selector, step_for, unreset


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leaktui.cli", *args], capture_output=True,
                          text=True, timeout=120)


def test_credentials_never_show_in_their_repr() -> None:
    creds = Credentials(user="ops", password="hunter2-secret")
    assert "hunter2" not in repr(creds) and "hunter2" not in str(creds)
    assert "tok-secret" not in repr(Credentials(token="tok-secret"))


def test_credentials_come_from_flags_first_then_the_environment() -> None:
    env = {"LEAKTUI_PROMETHEUS_TOKEN": "from-env"}
    assert credentials(env=env).header() == "Bearer from-env"
    assert credentials(token="from-flag", env=env).header() == "Bearer from-flag"
    basic = credentials(user="ops", env={"LEAKTUI_PROMETHEUS_PASSWORD": "pw"})
    assert basic.user == "ops" and basic.password == "pw"
    assert credentials(user="ops:given", env={}).password == "given"
    with pytest.raises(LeakTuiError, match="not both"):
        credentials(user="ops", token="t", env={})


def test_user_and_password_in_the_url_become_basic_auth_and_leave_the_url() -> None:
    url, creds = split_url("https://ops:s3cr%40t@prom.example:9090/", Credentials())
    assert url == "https://prom.example:9090"
    assert creds.user == "ops" and creds.password == "s3cr@t"
    assert public_url("https://ops:pw@prom.example/x") == "https://prom.example/x"
    with pytest.raises(LeakTuiError, match="not an http"):
        split_url("ftp://prom.example", Credentials())


def test_match_takes_label_matchers_with_or_without_braces() -> None:
    assert matchers('{job="api"}') == matchers('job="api"') == 'job="api"'
    assert selector(["b", "a"], '{job="api"}') == '{__name__=~"a|b", job="api"}'
    assert selector(["a"], None) == '{__name__=~"a"}'
    with pytest.raises(LeakTuiError, match="label matchers only"):
        matchers('up{job="api"}')


def test_a_window_keeps_a_few_hundred_points_per_instance() -> None:
    for window in (60, 3600, 2 * 3600, 86400, 7 * 86400):
        points = window / step_for(window)
        assert points <= 300 and (points >= 200 or step_for(window) == 1)


def test_counter_resets_are_undone_so_a_counter_never_goes_back() -> None:
    before, after = np.arange(10.0, 20.0), np.arange(0.0, 5.0)  # a restart resets it to 0
    counter = unreset(np.concatenate([before, after]))
    assert (np.diff(counter) >= 0).all()
    assert counter[-1] - counter[0] == (before[-1] - before[0]) + after[-1]


@pytest.mark.parametrize(("args", "expected"), [
    (["report", "--prometheus", "http://127.0.0.1:9", "--window", "10s"],
     "shorter than the 20 s a trend needs"),
    (["report", "--match", '{job="api"}', "snap.heapsnapshot"], "--match goes with --prometheus"),
    (["report", "--prometheus", "prom.example:9090"], "not an http(s) URL"),
    (["watch", "--prometheus", "http://127.0.0.1:9", "--pid", "1"],
     "give no metrics file or --pid"),
])
def test_fleet_flags_are_refused_in_one_line_before_any_request(args: list[str],
                                                                expected: str) -> None:
    done = cli(*args)
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr and done.stderr.count("\n") == 1


def test_fleet_modules_do_not_import_textual() -> None:
    code = ("import sys\n"
            "import leaktui.metrics.prometheus, leaktui.metrics.fleet, leaktui.metrics.scrape\n"
            "import leaktui.commands.report\n"
            "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "False", done.stderr


async def test_live_view_of_an_endpoint_that_is_down_says_so_and_retries() -> None:
    from leaktui.metrics.scrape import Endpoint
    from leaktui.tui.memory import MemoryApp, MemoryPanel

    app = MemoryApp(endpoint=Endpoint(f"http://127.0.0.1:{free_port()}/metrics"),
                    interval=0.2)
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(MemoryPanel)
        await wait_until(pilot, lambda: view.error is not None, 30, "the failed scrape")
        text = str(view.render())
        assert "connection refused" in text and "retrying every 0.2 s" in text


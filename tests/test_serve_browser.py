"""`leaktui serve` in real headless Chromium: the token URL signs the browser in and leaves the
address bar, the page connects, the app shows its class table, a key press reaches the app, a
reload gets in by the cookie alone; a PNG of the page (screenshots/serve-browser.png when
LEAKTUI_WRITE_SCREENSHOTS=1). Also what serve refuses before listening."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from serve_support import MINI, ROOT, screen_text, served, until, until_async

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INSTALL = "scripts/test-deps"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--remote-debugging-port=0",
                  "--window-size=1280,800")


def serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leaktui.cli", "serve", *args],
                          capture_output=True, text=True, timeout=60)


def test_serve_refuses_a_non_loopback_address() -> None:
    res = serve(str(MINI), "--host", "0.0.0.0")
    assert res.returncode == 2
    assert "refusing to serve on 0.0.0.0" in res.stderr and "secrets" in res.stderr
    assert "Serving" not in res.stdout


def test_serve_refuses_a_missing_snapshot() -> None:
    res = serve(str(MINI), str(ROOT / "no-such.heapsnapshot"))
    assert res.returncode == 2 and "no-such.heapsnapshot: no such file" in res.stderr


def test_serve_says_when_the_port_is_taken() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = serve(str(MINI), "--port", str(port))
    assert res.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in res.stderr


@pytest.mark.skipif(CHROMIUM is None,
                    reason=f"chromium is not installed ({INSTALL} installs it when it can; "
                           ".ci/run runs it)")
def test_browser_signs_in_with_the_token_url_and_keys_reach_the_app(tmp_path: Path) -> None:
    profile = tempfile.mkdtemp(prefix="leaktui-chromium-")
    browser = None
    try:
        with served() as server:
            assert server.banner[0].strip() == (f"Serving leaktui on http://127.0.0.1:"
                                                f"{server.port}/?token={server.token}")
            assert f"ssh -N -L {server.port}:127.0.0.1:{server.port} " in server.banner[1]
            errors = tmp_path / "chromium.log"
            with open(errors, "wb") as log_file:
                browser = subprocess.Popen(
                    [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                     "about:blank"], stdout=subprocess.DEVNULL, stderr=log_file)
            active = Path(profile) / "DevToolsActivePort"

            def started() -> bool:
                # A browser that died says why; one still starting on a loaded machine is
                # given its time (a start took 4-17 s idle here, over 30 s under load).
                if browser.poll() is not None:
                    raise AssertionError(f"chromium exited with {browser.returncode}: "
                                         f"{errors.read_text(errors='replace')[-2000:]}")
                return active.exists() and active.read_text().strip() != ""

            until(started, 180, f"chromium wrote no DevToolsActivePort (its stderr: {errors})")
            debug_port = int(active.read_text().split()[0])
            pages = json.loads(urllib.request.urlopen(
                f"http://127.0.0.1:{debug_port}/json/list", timeout=10).read())
            ws_url = next(p["webSocketDebuggerUrl"] for p in pages if p["type"] == "page")
            seen = asyncio.run(drive(ws_url, server.url))
            until(lambda: "session 1 ended" in server.log(), 60, server.log())
            log = server.log()
        assert b"Retained" in seen.before and b"Shallow" in seen.before, seen.before[-2000:]
        assert b"JS heap" not in seen.before
        assert b"JS heap" in seen.after, seen.after[-2000:]  # key 5 reached the app
        # the token left the address bar; the cookie is out of the page's reach (HttpOnly)
        assert seen.address == f"http://127.0.0.1:{server.port}/"
        assert seen.page_cookies == ""
        assert b"Retained" in seen.reloaded  # the cookie alone let the reloaded page in
        assert "session 1 ended: tab closed" in log and "session 2 started" in log, log
        assert server.token not in log
        assert seen.png[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(seen.png) > 3 * len(seen.blank)  # the page has content, not an empty window
        # screenshots/serve-browser.png is refreshed with LEAKTUI_WRITE_SCREENSHOTS=1; a plain
        # test run writes into its own temporary folder and leaves the checkout clean.
        folder = ROOT / "screenshots" if os.environ.get("LEAKTUI_WRITE_SCREENSHOTS") else tmp_path
        (folder / "serve-browser.png").write_bytes(seen.png)
    finally:
        if browser is not None:
            browser.kill()
            browser.wait()
        shutil.rmtree(profile, ignore_errors=True)


@dataclass
class Seen:
    before: bytes  # the screen before the key
    after: bytes  # after it
    reloaded: bytes  # after a reload of the page
    address: str  # location.href once the app showed
    page_cookies: str  # document.cookie
    png: bytes
    blank: bytes


async def drive(ws_url: str, page_url: str) -> Seen:
    """Screenshot the blank page; open the token URL and collect what the app sends over
    its websocket; wait for the class table and screenshot it; press `5` and wait for the
    statistics view; reload the page and wait for the class table again."""
    import websockets

    frames: list[bytes] = []
    ids = itertools.count(1)
    pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
    async with websockets.connect(ws_url, max_size=None) as ws:
        async def reader() -> None:
            async for raw in ws:
                msg = json.loads(raw)
                if "id" in msg and msg["id"] in pending:
                    pending.pop(msg["id"]).set_result(msg)
                elif msg.get("method") == "Network.webSocketFrameReceived":
                    resp = msg["params"]["response"]
                    data = resp["payloadData"]
                    frames.append(base64.b64decode(data) if resp.get("opcode") == 2
                                  else data.encode())

        async def call(method: str, **params: object) -> dict[str, Any]:
            i = next(ids)
            pending[i] = asyncio.get_running_loop().create_future()
            await ws.send(json.dumps({"id": i, "method": method, "params": params}))
            reply = await asyncio.wait_for(pending[i], 30)
            assert "error" not in reply, reply
            return reply

        async def wait_for(needle: bytes, start: int, seconds: float) -> None:
            await until_async(lambda: needle in screen_text(frames[start:]), seconds,
                              f"{needle!r} never showed: {screen_text(frames[start:])[-800:]!r}")

        async def painted(blank: dict[str, Any], seconds: float) -> dict[str, Any]:
            """A screenshot once xterm.js has painted the first screen (its PNG far bigger
            than the blank page's), or the last one taken when ``seconds`` ran out (the test's
            size check then fails and says so)."""
            empty = len(base64.b64decode(blank["result"]["data"]))
            deadline = time.monotonic() + seconds
            while True:
                shot = await call("Page.captureScreenshot", format="png")
                if (len(base64.b64decode(shot["result"]["data"])) > 3 * empty
                        or time.monotonic() > deadline):
                    return shot
                await asyncio.sleep(0.2)

        async def evaluate(expression: str) -> str:
            reply = await call("Runtime.evaluate", expression=expression, returnByValue=True)
            return str(reply["result"]["result"]["value"])

        task = asyncio.create_task(reader())
        blank = await call("Page.captureScreenshot", format="png")
        await call("Network.enable")
        await call("Page.enable")
        await call("Page.navigate", url=page_url)
        await wait_for(b"Retained", 0, 40)
        shot = await painted(blank, 20)
        for kind in ("mousePressed", "mouseReleased"):  # focus the terminal
            await call("Input.dispatchMouseEvent", type=kind, x=640, y=400, button="left",
                       clickCount=1)
        mark = len(frames)
        before = screen_text(frames)
        for kind in ("keyDown", "keyUp"):
            await call("Input.dispatchKeyEvent", type=kind, key="5", code="Digit5", text="5",
                       windowsVirtualKeyCode=53)
        await wait_for(b"JS heap", mark, 20)
        after = screen_text(frames[mark:])
        address = await evaluate("location.href")
        page_cookies = await evaluate("document.cookie")
        reload_mark = len(frames)
        await call("Page.reload")
        await wait_for(b"Retained", reload_mark, 60)
        task.cancel()
        return Seen(before, after, screen_text(frames[reload_mark:]), address, page_cookies,
                    base64.b64decode(shot["result"]["data"]),
                    base64.b64decode(blank["result"]["data"]))

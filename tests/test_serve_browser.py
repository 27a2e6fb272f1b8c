"""`leaktui serve` in real headless Chromium: the page connects, the app shows its class table,
a key press reaches the app; a PNG of the page (screenshots/serve-browser.png when
LEAKTUI_WRITE_SCREENSHOTS=1). Also what serve refuses before listening."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "mini.heapsnapshot"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INSTALL = "apt-get update && apt-get install -y chromium"
ANSI = re.compile(rb"\x1b(\[[0-9;?<>=$]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][A-Z0-9]|.)")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--remote-debugging-port=0",
                  "--window-size=1280,800")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


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


def screen_text(frames: list[bytes]) -> bytes:
    """What the app wrote to its terminal, escape sequences removed."""
    return ANSI.sub(b"", b"".join(frames))


@pytest.mark.skipif(CHROMIUM is None,
                    reason=f"chromium is not installed and could not be ({INSTALL}; .ci/run "
                           "installs it when it can)")
def test_browser_shows_the_class_table_and_keys_reach_the_app(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "leaktui.cli", "serve", str(MINI),
                               "--port", str(port)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    profile = tempfile.mkdtemp(prefix="leaktui-chromium-")
    browser = None
    try:
        assert server.stdout is not None
        banner = [server.stdout.readline() for _ in range(2)]
        assert banner[0].strip() == f"Serving leaktui on http://127.0.0.1:{port}/"
        assert f"ssh -N -L {port}:127.0.0.1:{port} " in banner[1]
        wait_port(port, 30)
        browser = subprocess.Popen(
            [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        active = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not active.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        debug_port = int(active.read_text().split()[0])
        pages = json.loads(urllib.request.urlopen(
            f"http://127.0.0.1:{debug_port}/json/list", timeout=10).read())
        ws_url = next(p["webSocketDebuggerUrl"] for p in pages if p["type"] == "page")
        before, after, png, blank = asyncio.run(drive(ws_url, f"http://127.0.0.1:{port}/"))
        assert b"Retained" in before and b"Shallow" in before, before[-2000:]
        assert b"JS heap" not in before
        assert b"JS heap" in after, after[-2000:]  # key 5 reached the app: statistics view
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(png) > 3 * len(blank)  # the page has content, not an empty window
        # screenshots/serve-browser.png is refreshed with LEAKTUI_WRITE_SCREENSHOTS=1; a plain
        # test run writes into its own temporary folder and leaves the checkout clean.
        folder = ROOT / "screenshots" if os.environ.get("LEAKTUI_WRITE_SCREENSHOTS") else tmp_path
        (folder / "serve-browser.png").write_bytes(png)
    finally:
        if browser is not None:
            browser.kill()
            browser.wait()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(profile, ignore_errors=True)


async def drive(ws_url: str, page_url: str) -> tuple[bytes, bytes, bytes, bytes]:
    """Screenshot the blank page; open the app's page and collect what the app sends over
    its websocket; wait for the class table and screenshot it; press `5` and wait for the
    statistics view. Returns (screen before the key, screen after, PNG, blank PNG)."""
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
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                if needle in screen_text(frames[start:]):
                    return
                await asyncio.sleep(0.2)

        task = asyncio.create_task(reader())
        blank = await call("Page.captureScreenshot", format="png")
        await call("Network.enable")
        await call("Page.enable")
        await call("Page.navigate", url=page_url)
        await wait_for(b"Retained", 0, 40)
        await asyncio.sleep(0.5)  # the rest of the first screen, painted by xterm.js
        shot = await call("Page.captureScreenshot", format="png")
        for kind in ("mousePressed", "mouseReleased"):  # focus the terminal
            await call("Input.dispatchMouseEvent", type=kind, x=640, y=400, button="left",
                       clickCount=1)
        mark = len(frames)
        before = screen_text(frames)
        for kind in ("keyDown", "keyUp"):
            await call("Input.dispatchKeyEvent", type=kind, key="5", code="Digit5", text="5",
                       windowsVirtualKeyCode=53)
        await wait_for(b"JS heap", mark, 20)
        task.cancel()
        return (before, screen_text(frames[mark:]), base64.b64decode(shot["result"]["data"]),
                base64.b64decode(blank["result"]["data"]))

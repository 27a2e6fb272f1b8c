"""`leaktui serve` in real headless Chromium: the page connects, the app shows its class table,
a key press reaches the app; a PNG of the page goes to screenshots/."""

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
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "rules.heapsnapshot"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


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


def test_serve_refuses_a_non_loopback_address() -> None:
    res = subprocess.run([sys.executable, "-m", "leaktui.cli", "serve", str(MINI), "--host",
                          "0.0.0.0"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "refusing to serve" in res.stderr


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
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
        assert f"127.0.0.1:{port}" in banner[0] and "ssh -N -L" in banner[1]
        wait_port(port, 30)
        browser = subprocess.Popen(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--remote-debugging-port=0",
             "--window-size=1280,800", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        active = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not active.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        debug_port = int(active.read_text().split()[0])
        pages = json.loads(urllib.request.urlopen(
            f"http://127.0.0.1:{debug_port}/json/list", timeout=10).read())
        ws_url = next(p["webSocketDebuggerUrl"] for p in pages if p["type"] == "page")
        text, png = asyncio.run(drive(ws_url, f"http://127.0.0.1:{port}/"))
        assert b"Classes" in text and b"Retained" in text, text[-2000:]
        assert b"total" in text.split(b"PRESSED", 1)[1]  # view 5 (statistics) after the key
        # screenshots/serve-browser.png is refreshed with LEAKTUI_WRITE_SCREENSHOTS=1; a plain
        # test run writes into its own temporary folder and leaves the checkout clean.
        folder = ROOT / "screenshots" if os.environ.get("LEAKTUI_WRITE_SCREENSHOTS") else tmp_path
        out = folder / "serve-browser.png"
        out.write_bytes(png)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        if browser is not None:
            browser.kill()
            browser.wait()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(profile, ignore_errors=True)


async def drive(ws_url: str, page_url: str) -> tuple[bytes, bytes]:
    """Open the page, collect what the app sends over its WebSocket, press `5`, screenshot."""
    import websockets

    frames: list[bytes] = []
    ids = itertools.count(1)
    pending: dict[int, asyncio.Future[dict]] = {}  # type: ignore[type-arg]
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

        async def call(method: str, **params: object) -> dict:  # type: ignore[type-arg]
            i = next(ids)
            pending[i] = asyncio.get_running_loop().create_future()
            await ws.send(json.dumps({"id": i, "method": method, "params": params}))
            return await asyncio.wait_for(pending[i], 30)

        task = asyncio.create_task(reader())
        await call("Network.enable")
        await call("Page.enable")
        await call("Page.navigate", url=page_url)

        async def wait_for(needle: bytes, start: int, seconds: float) -> None:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                if needle in b"".join(frames[start:]):
                    return
                await asyncio.sleep(0.2)

        await wait_for(b"Retained", 0, 40)
        await call("Input.dispatchMouseEvent", type="mousePressed", x=640, y=400,
                   button="left", clickCount=1)
        await call("Input.dispatchMouseEvent", type="mouseReleased", x=640, y=400,
                   button="left", clickCount=1)
        mark = len(frames)
        frames.append(b"PRESSED")
        for kind in ("keyDown", "keyUp"):
            await call("Input.dispatchKeyEvent", type=kind, key="5", code="Digit5", text="5",
                       windowsVirtualKeyCode=53)
        await wait_for(b"total", mark, 20)
        await asyncio.sleep(0.5)
        shot = await call("Page.captureScreenshot", format="png")
        task.cancel()
        return b"".join(frames), base64.b64decode(shot["result"]["data"])

"""A real `leaktui serve` process on a loopback port picked free at test time, and the plain
HTTP and websocket requests the tests make to it (no browser)."""

from __future__ import annotations

import asyncio
import http.client
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "mini.heapsnapshot"
ANSI = re.compile(rb"\x1b(\[[0-9;?<>=$]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][A-Z0-9]|.)")


def screen_text(frames: list[bytes]) -> bytes:
    """What the app wrote to its terminal, escape sequences removed."""
    return ANSI.sub(b"", b"".join(frames))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll ``condition``; fail with ``what`` when it has not held within ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"after {seconds:.0f} s: {what}")
        time.sleep(0.1)


async def until_async(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"after {seconds:.0f} s: {what}")
        await asyncio.sleep(0.1)


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: str


class Served:
    """`leaktui serve MINI --port P ...` running; its banner read; stderr collected."""

    def __init__(self, process: subprocess.Popen[str], port: int, token: str,
                 banner: list[str]) -> None:
        self.process = process
        self.port = port
        self.token = token
        self.banner = banner
        self.url = f"http://127.0.0.1:{port}/?token={token}"
        self.connect_host = "127.0.0.1"
        self.host_header = f"127.0.0.1:{port}"
        self.stderr: list[str] = []
        self._stderr_thread = threading.Thread(target=self._collect, daemon=True)
        self._stderr_thread.start()
        self._stdout_rest: list[str] = []
        if process.stdout is not None:
            threading.Thread(target=self._drain_stdout, daemon=True).start()
        until(self.listening, 30, f"nothing listens on port {port}: {self.log()}")

    @classmethod
    def start(cls, *args: str, host: str = "127.0.0.1") -> Served:
        """`leaktui serve MINI` on a free port; the token read from its banner."""
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "leaktui.cli", "serve", str(MINI), "--port", str(port),
             *(["--host", host] if host != "127.0.0.1" else []), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(2 if "--allow-remote" in args
                                                           else 3)]
        first = banner[0].strip()
        assert first.startswith("Serving leaktui on http://") and "/?token=" in first, first
        server = cls(process, port, first.split("?token=", 1)[1], banner)
        server.url = first.removeprefix("Serving leaktui on ")
        return server

    @classmethod
    def attach(cls, process: subprocess.Popen[str], port: int, token: str) -> Served:
        """A server started some other way (its stderr piped), on ``port`` with ``token``."""
        return cls(process, port, token, [])

    def _collect(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)

    def _drain_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._stdout_rest.append(line)

    def listening(self) -> bool:
        with socket.socket() as s:
            return s.connect_ex((self.connect_host, self.port)) == 0

    def log(self) -> str:
        return "".join(self.stderr)

    def output(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        return "".join(self.banner) + "".join(self._stdout_rest) + self.log()

    def apps(self) -> list[int]:
        """Process ids of the apps the server started (its children), now."""
        children: list[int] = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            try:
                children += [int(p) for p in (task / "children").read_text().split()]
            except FileNotFoundError:
                continue
        return children

    def get(self, path: str, *, host: str | None = None, cookie: str | None = None,
            headers: dict[str, str] | None = None) -> Reply:
        conn = http.client.HTTPConnection(self.connect_host, self.port, timeout=30)
        try:
            sent = {"Host": host or self.host_header, **(headers or {})}
            if cookie is not None:
                sent["Cookie"] = cookie
            conn.request("GET", path, headers=sent)
            res = conn.getresponse()
            return Reply(res.status, res.headers, res.read().decode("utf-8", "replace"))
        finally:
            conn.close()

    def sign_in(self) -> str:
        """The cookie the token URL sets, as a Cookie header value."""
        reply = self.get(f"/?token={self.token}")
        assert reply.status == 200, reply
        return reply.headers["Set-Cookie"].split(";", 1)[0]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr_thread.join(timeout=10)


@contextmanager
def served(*args: str, host: str = "127.0.0.1") -> Iterator[Served]:
    server = Served.start(*args, host=host)
    try:
        yield server
    finally:
        server.stop()


def ws_connect(server: Served, *, cookie: str | None, origin: str | None = "same",
               query: str = "") -> Any:
    """A websocket to the server's /ws as a browser tab would open it (its Origin is the page's
    unless ``origin`` says otherwise)."""
    from websockets.asyncio.client import connect
    from websockets.typing import Origin

    headers = {"Cookie": cookie} if cookie is not None else {}
    if origin == "same":
        origin = f"http://{server.host_header}"
    return connect(f"ws://{server.host_header}/ws?width=80&height=24{query}",
                   origin=None if origin is None else Origin(origin),
                   additional_headers=headers, max_size=None, open_timeout=30)


def refusal_status(exc: BaseException) -> int:
    """The HTTP status of a refused websocket handshake."""
    from websockets.exceptions import InvalidStatus

    assert isinstance(exc, InvalidStatus), repr(exc)
    return int(exc.response.status_code)


async def first_screen(ws: Any, seconds: float = 60) -> bytes:
    """Wait for the app to draw (binary terminal output over the websocket)."""
    received: list[bytes] = []
    deadline = time.monotonic() + seconds
    while b"Retained" not in screen_text(received):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"the app drew no class table within {seconds:.0f} s: "
                                 f"{screen_text(received)[-500:]!r}")
        try:
            msg = await asyncio.wait_for(ws.recv(), left)
        except TimeoutError:
            continue
        if isinstance(msg, bytes):
            received.append(msg)
    return screen_text(received)

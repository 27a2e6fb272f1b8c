"""Find a Node inspector target and talk CDP to it over WebSocket, loopback only by default.

The host is checked on the parsed text before any socket is opened (no DNS lookup either): a
non-loopback target needs `allow_remote=True`, because a heap snapshot holds everything in the
process's memory (tokens, passwords, user data). Proxy settings from the environment are
ignored: nothing leaves for a proxy."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import ipaddress
import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from leaktui.capture import procnet
from leaktui.errors import LeakTuiError

LOOPBACK_NAMES = ("localhost", "ip6-localhost", "ip6-loopback")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9229
REMOTE_HINT = ("snapshots hold secrets from the heap; pass --allow-remote to insist, better "
               "forward the port over SSH (ssh -L 9229:127.0.0.1:9229 HOST)")


@dataclass(frozen=True)
class Endpoint:
    """Where an inspector listens; `ws_url` when the user gave the WebSocket address itself."""

    host: str
    port: int
    ws_url: str | None = None

    @property
    def http(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Target:
    """One inspectable target from /json/list."""

    ws_url: str
    title: str
    url: str


@dataclass(frozen=True)
class HeapUsage:
    used: int
    total: int


def is_loopback(host: str) -> bool:
    """Loopback by its text alone: 127.0.0.0/8, ::1, localhost (never resolved)."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: not known to be loopback without a lookup, so it is not


def require_loopback(host: str, allow_remote: bool, what: str = "connect to") -> None:
    if not allow_remote and not is_loopback(host):
        raise LeakTuiError(f"refusing to {what} {host}: not a loopback address; {REMOTE_HINT}")


def parse_endpoint(text: str, allow_remote: bool = False) -> Endpoint:
    """`PORT`, `HOST:PORT`, `[V6]:PORT` or `ws://HOST:PORT/ID`; refuses non-loopback hosts
    unless allowed, before anything touches the network."""
    text = text.strip()
    if text.startswith(("ws://", "wss://")):
        parsed = urlparse(text)
        if parsed.hostname is None:
            raise LeakTuiError(f"not an inspector address: {text!r}")
        require_loopback(parsed.hostname, allow_remote)
        return Endpoint(parsed.hostname, parsed.port or DEFAULT_PORT, ws_url=text)
    host, port_text = DEFAULT_HOST, text
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else str(DEFAULT_PORT)
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    elif text.count(":") > 1 or not text.isdigit():
        host, port_text = text, str(DEFAULT_PORT)  # a bare host (or a bare IPv6 address)
    try:
        port = int(port_text)
    except ValueError:
        raise LeakTuiError(f"not a port: {text!r} (use PORT, HOST:PORT or a ws:// URL)") from None
    if not 0 < port < 65536:
        raise LeakTuiError(f"port out of range: {port}")
    require_loopback(host, allow_remote)
    return Endpoint(host, port)


ATTACHED_AFTER_S = 0.5  # a client still connected after this long is a session, not a probe


def check_not_attached(endpoint: Endpoint, settle_s: float = ATTACHED_AFTER_S) -> None:
    """Refuse when another client (a debugger, another capture) is connected to the inspector:
    two clients driving one heap profiler stop each other's tracking and double the pause.

    Only a connection that stays counts. The inspector answers a plain HTTP request (a
    scraper or a health check that found the port) and closes it at once, so a connection
    seen now is watched for ``settle_s``: a debugger's WebSocket is still there after it."""
    if not procnet.available():
        return
    lasting = {(s.remote_host, s.remote_port, s.inode): s
               for s in procnet.clients_of(endpoint.port)}
    deadline = time.monotonic() + settle_s
    while lasting and time.monotonic() < deadline:
        time.sleep(0.05)
        now = {(s.remote_host, s.remote_port, s.inode) for s in procnet.clients_of(endpoint.port)}
        lasting = {key: s for key, s in lasting.items() if key in now}
    if lasting:
        peers = ", ".join(sorted({f"{s.remote_host}:{s.remote_port}" for s in lasting.values()}))
        raise LeakTuiError(f"the inspector on {endpoint} already has a client attached ({peers}):"
                           " a debugger or another capture; detach it and try again")


def _no_proxy_opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def find_target(endpoint: Endpoint, timeout: float = 3.0) -> Target:
    """The first inspectable target that the inspector's HTTP endpoint lists."""
    if endpoint.ws_url is not None:
        return Target(endpoint.ws_url, "", "")
    url = endpoint.http + "/json/list"
    try:
        with _no_proxy_opener().open(url, timeout=timeout) as resp:
            body = resp.read()
    except urllib.error.HTTPError as exc:
        raise LeakTuiError(f"{endpoint} answers HTTP {exc.code} to /json/list: not a Node "
                           "inspector (or it publishes its address only on stderr: pass the "
                           "ws:// URL)") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ConnectionRefusedError):
            raise LeakTuiError(f"nothing listens on {endpoint} (is the process running with "
                               "--inspect? is the port right?)") from None
        raise LeakTuiError(f"cannot reach the inspector at {endpoint}: {reason}") from None
    except (TimeoutError, OSError) as exc:
        raise LeakTuiError(f"cannot reach the inspector at {endpoint}: {exc}") from None
    try:
        targets = json.loads(body)
    except ValueError:
        targets = None
    if not isinstance(targets, list):
        raise LeakTuiError(f"{endpoint} is not a Node inspector (its /json/list is not a list)")
    usable = [t for t in targets if isinstance(t, dict) and t.get("webSocketDebuggerUrl")]
    if not usable:
        if targets:
            raise LeakTuiError(f"the inspector on {endpoint} is already attached to a debugger "
                               "(it offers no free target); detach it and try again")
        raise LeakTuiError(f"the inspector on {endpoint} lists no target")
    first = usable[0]
    return Target(str(first["webSocketDebuggerUrl"]), str(first.get("title", "")),
                  str(first.get("url", "")))


EventHandler = Callable[[dict[str, Any]], Awaitable[None] | None]


def _connect_options(connect: Callable[..., Any]) -> dict[str, Any]:
    options: dict[str, Any] = {"max_size": None, "ping_interval": None, "open_timeout": 5,
                               "close_timeout": 2, "compression": None}
    if "proxy" in inspect.signature(connect).parameters:
        options["proxy"] = None  # never through a proxy from the environment
    return options


class CdpSession:
    """A CDP client on the `websockets` package: requests by id, events to handlers by method.

    Use as ``async with CdpSession(url) as session: await session.call("Domain.method")``.
    Handlers run on the reader task in arrival order; an event is handled before the reply to
    the request that caused it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._handlers: dict[str, EventHandler] = {}
        self._ws: Any = None
        self._reader: asyncio.Task[None] | None = None
        self.closed_reason: str | None = None

    async def __aenter__(self) -> CdpSession:
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidStatus, WebSocketException

        try:
            self._ws = await connect(self.url, **_connect_options(connect))
        except InvalidStatus as exc:
            raise LeakTuiError(f"the inspector refused the WebSocket ({exc}); another debugger "
                               "may be attached") from None
        except (OSError, TimeoutError, asyncio.TimeoutError, WebSocketException) as exc:
            raise LeakTuiError(f"cannot open the inspector's WebSocket {self.url}: {exc}")\
                from None
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()

    def on(self, method: str, handler: EventHandler) -> None:
        """Call `handler(params)` for each `method` event (replaces an earlier handler)."""
        self._handlers[method] = handler

    def off(self, method: str) -> None:
        self._handlers.pop(method, None)

    @property
    def alive(self) -> bool:
        return self._reader is not None and not self._reader.done()

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        failure: BaseException | None = None
        try:
            async for raw in self._ws:
                msg = json.loads(raw)
                if "id" in msg:
                    fut = self._pending.pop(msg["id"], None)
                    if fut is not None and not fut.done():
                        fut.set_result(msg)
                    continue
                handler = self._handlers.get(msg.get("method", ""))
                if handler is not None:
                    result = handler(msg.get("params", {}))
                    if inspect.isawaitable(result):
                        await result
            self.closed_reason = "the inspector closed the connection"
        except ConnectionClosed as exc:
            self.closed_reason = f"the connection was lost ({exc})"
        except asyncio.CancelledError:
            self.closed_reason = "the session was closed"
            raise
        except Exception as exc:  # a handler failed: fail the waiting calls with it
            failure = exc
            self.closed_reason = str(exc)
        finally:
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(failure if isinstance(failure, LeakTuiError) else
                                      LeakTuiError(self._gone_message()))
            self._pending.clear()

    def _gone_message(self) -> str:
        return (f"the process went away during the capture ({self.closed_reason}); did it "
                "exit or run out of memory?")

    async def call(self, method: str, params: dict[str, Any] | None = None,
                   timeout: float | None = None) -> dict[str, Any]:
        """Send a request and wait for its reply; CDP errors become LeakTuiError."""
        from websockets.exceptions import ConnectionClosed

        if not self.alive:
            raise LeakTuiError(self._gone_message())
        msg_id = next(self._ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = fut
        try:
            await self._ws.send(json.dumps({"id": msg_id, "method": method,
                                            "params": params or {}}))
        except ConnectionClosed:
            self._pending.pop(msg_id, None)
            raise LeakTuiError(self._gone_message()) from None
        try:
            reply = await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:  # not TimeoutError before 3.11
            self._pending.pop(msg_id, None)
            raise LeakTuiError(f"{method}: no answer from the process within {timeout:g} s")\
                from None
        if "error" in reply:
            error = reply["error"]
            message = error.get("message", error) if isinstance(error, dict) else error
            raise LeakTuiError(f"{method} failed: {message}")
        result = reply.get("result", {})
        return result if isinstance(result, dict) else {}

    async def heap_usage(self) -> HeapUsage:
        """Used and total bytes of the JS heap (`Runtime.getHeapUsage`)."""
        result = await self.call("Runtime.getHeapUsage", timeout=10)
        return HeapUsage(int(result.get("usedSize", 0)), int(result.get("totalSize", 0)))

    async def close_inspector(self, delay_ms: int = 100) -> bool:
        """Ask the process to close its inspector shortly after this session leaves (for an
        inspector that SIGUSR1 opened). False when this Node cannot do it."""
        expression = ("typeof process._debugEnd === 'function' ? "
                      f"(setTimeout(() => process._debugEnd(), {delay_ms}), true) : false")
        result = await self.call("Runtime.evaluate", {"expression": expression,
                                                      "returnByValue": True}, timeout=10)
        return bool(result.get("result", {}).get("value"))

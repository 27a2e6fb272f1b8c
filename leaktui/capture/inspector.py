"""Find a Node inspector target and talk CDP to it over WebSocket, loopback only by default.

The host is checked before any socket is opened: a non-loopback target needs
`allow_remote=True` (snapshots hold secrets: tokens, passwords, user data from the heap)."""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import json
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from leaktui.errors import LeakTuiError

LOOPBACK_NAMES = ("localhost", "ip6-localhost")
DEFAULT_PORT = 9229


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    @property
    def http(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name we will not resolve: it is not known to be loopback


def parse_endpoint(text: str, allow_remote: bool = False) -> Endpoint:
    """`PORT`, `HOST:PORT` or `[v6]:PORT`; refuses non-loopback hosts unless allowed."""
    host, port_text = "127.0.0.1", text
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest.lstrip(":")
    elif ":" in text:
        host, _, port_text = text.rpartition(":")
    try:
        port = int(port_text)
    except ValueError:
        raise LeakTuiError(f"not a port: {text!r} (use PORT or HOST:PORT)") from None
    if not 0 < port < 65536:
        raise LeakTuiError(f"port out of range: {port}")
    if not allow_remote and not is_loopback(host):
        raise LeakTuiError(f"refusing to connect to {host}: not a loopback address; snapshots "
                           "hold secrets from the heap (pass --allow-remote to insist, ideally "
                           "through an SSH tunnel)")
    return Endpoint(host, port)


def find_target(endpoint: Endpoint, timeout: float = 3.0) -> dict[str, Any]:
    """The first inspectable target listed by the inspector's HTTP endpoint."""
    url = endpoint.http + "/json/list"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (checked host)
            targets = json.loads(resp.read().decode("utf-8"))
    except urllib.error.URLError as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, ConnectionRefusedError):
            raise LeakTuiError(f"nothing listens on {endpoint.host}:{endpoint.port} "
                               "(is the process running with --inspect?)") from None
        raise LeakTuiError(f"cannot reach the inspector at {endpoint.host}:{endpoint.port}: "
                           f"{reason}") from None
    except (TimeoutError, OSError) as exc:
        raise LeakTuiError(f"cannot reach the inspector at {endpoint.host}:{endpoint.port}: "
                           f"{exc}") from None
    except ValueError:
        raise LeakTuiError(f"{endpoint.host}:{endpoint.port} is not a Node inspector "
                           "(its /json/list is not JSON)") from None
    usable = [t for t in targets if t.get("webSocketDebuggerUrl")]
    if not usable:
        if targets:
            raise LeakTuiError("the inspector is already attached to a debugger "
                               "(no free target); detach it and try again")
        raise LeakTuiError("the inspector lists no target")
    return usable[0]  # type: ignore[no-any-return]


EventHandler = Callable[[str, dict[str, Any]], Awaitable[None] | None]


class CdpSession:
    """A minimal CDP client on the `websockets` package: requests by id, events to a handler."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ws: Any = None
        self._reader: asyncio.Task[None] | None = None
        self.on_event: EventHandler | None = None
        self.closed_reason: str | None = None

    async def __aenter__(self) -> CdpSession:
        import websockets

        try:
            self._ws = await websockets.connect(self.url, max_size=None, ping_interval=None,
                                                open_timeout=5)
        except (OSError, websockets.exceptions.WebSocketException) as exc:
            raise LeakTuiError(f"cannot open the inspector's WebSocket ({exc}); another "
                               "debugger may be attached") from None
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._ws is not None:
            await self._ws.close()

    async def _read(self) -> None:
        import websockets

        try:
            async for raw in self._ws:
                msg = json.loads(raw)
                if "id" in msg:
                    fut = self._pending.pop(msg["id"], None)
                    if fut is not None and not fut.done():
                        fut.set_result(msg)
                elif self.on_event is not None:
                    result = self.on_event(msg.get("method", ""), msg.get("params", {}))
                    if asyncio.iscoroutine(result):
                        await result
        except websockets.exceptions.ConnectionClosed as exc:
            self.closed_reason = f"the connection closed ({exc.code})"
        finally:
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(LeakTuiError(
                        "the process went away during the capture "
                        f"({self.closed_reason or 'connection lost'})"))
            self._pending.clear()

    async def call(self, method: str, params: dict[str, Any] | None = None,
                   timeout: float | None = None) -> dict[str, Any]:
        if self._reader is not None and self._reader.done():
            raise LeakTuiError("the process went away during the capture")
        msg_id = next(self._ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = fut
        await self._ws.send(json.dumps({"id": msg_id, "method": method, "params": params or {}}))
        reply = await asyncio.wait_for(fut, timeout)
        if "error" in reply:
            raise LeakTuiError(f"{method} failed: {reply['error'].get('message', reply['error'])}")
        return reply.get("result", {})  # type: ignore[no-any-return]

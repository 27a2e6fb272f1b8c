"""What stands between `leaktui serve` and everyone else on the machine: a per-run token (in the
printed URL, then an HttpOnly, SameSite=Strict cookie), a Host check against DNS rebinding, an
Origin check on the websocket, a limit on concurrent sessions and an idle timeout.

`GuardedServer` is textual-serve's `Server` with a middleware in front of every route (page,
assets, downloads, websocket) and its own page and websocket handlers: the page's links name the
host the browser used, and each websocket session is counted, timed out when idle and logged to
stderr (never the token)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import itertools
import json
import logging
import os
import re
import secrets
import stat
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import aiohttp_jinja2
from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from leaktui.errors import LeakTuiError, check_readable
from leaktui.units import format_duration

TOKEN_BYTES = 32  # 256 bits from `secrets`
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9._~-]{22,512}")  # URL-safe, at least 128 bits' worth
TOKEN_HINT = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
WILDCARDS = ("0.0.0.0", "::")
STOP_GRACE_S = 10.0  # an app that ignores "quit" this long is killed
HEARTBEAT_S = 15.0  # a browser that vanished without closing its websocket is noticed
LIMIT_RETRY_S = 5  # the limit page reloads itself: a tab reloaded at the limit gets back in
SECURITY_HEADERS = {"Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
                    "X-Content-Type-Options": "nosniff"}
PAGE_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-store"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def read_token_file(path: str) -> str:
    """A chosen token: the file's one line, readable by its owner alone."""
    check_readable(path, kind="token file")
    mode = os.stat(path).st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise LeakTuiError(f"{path}: other users may read this token file (mode "
                           f"{stat.S_IMODE(mode):04o}); chmod 600 it")
    try:
        with open(path, encoding="utf-8") as f:
            token = f.read().strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise LeakTuiError(f"{path}: cannot read the token ({exc})") from None
    if not TOKEN_PATTERN.fullmatch(token):
        raise LeakTuiError(f"{path}: not a usable token (one line of at least 22 characters "
                           f"from A-Z a-z 0-9 . _ ~ -; make one with {TOKEN_HINT})")
    return token


def host_name(host_header: str) -> str:
    """The name in a Host header, lower case, without the port or IPv6 brackets."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host


def allowed_hosts(bound: str, printed: str) -> frozenset[str]:
    """Names a browser may use to reach the server: the bound address, `localhost`, the name
    printed in the URL (and the loopback addresses when bound to every interface)."""
    names = {bound.strip("[]").lower(), "localhost", printed.strip("[]").lower()}
    if bound.strip("[]") in WILDCARDS:
        names |= {"127.0.0.1", "::1"}
    return frozenset(names)


def same(a: str, b: str) -> bool:
    """Compare in constant time (bytes, so a non-ASCII guess is simply wrong)."""
    return hmac.compare_digest(a.encode("utf-8", "surrogateescape"),
                               b.encode("utf-8", "surrogateescape"))


@dataclass(frozen=True)
class Guard:
    """The checks every request passes (plain values: no aiohttp here)."""
    token: str
    port: int
    hosts: frozenset[str]

    @property
    def cookie_name(self) -> str:
        return f"leaktui-{self.port}"  # cookies ignore ports: one name per server

    @property
    def cookie_value(self) -> str:
        """Derived from the token, so the cookie never holds the token itself."""
        return hmac.new(self.token.encode(), b"leaktui serve cookie", hashlib.sha256).hexdigest()

    def host_ok(self, host_header: str | None) -> bool:
        return host_header is not None and host_name(host_header) in self.hosts

    def token_ok(self, token: str | None) -> bool:
        return token is not None and same(token, self.token)

    def cookie_ok(self, cookie: str | None) -> bool:
        return cookie is not None and same(cookie, self.cookie_value)

    def origin_ok(self, origin: str | None, host_header: str) -> bool:
        """A websocket's Origin must be this very page: http:// and the Host it asked."""
        return origin is not None and same(origin.lower(), f"http://{host_header.lower()}")


def log(message: str) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"leaktui serve: {stamp} {message}", file=sys.stderr, flush=True)


def shown(text: str | None, limit: int = 80) -> str:
    """Client-supplied text for the log: quoted, escaped, cut short."""
    return repr((text or "")[:limit])


def simple_page(title: str, paragraphs: list[str], status: int,
                retry_s: int | None = None) -> web.Response:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    retry = "" if retry_s is None else f"<meta http-equiv=\"refresh\" content=\"{retry_s}\">"
    text = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\">{retry}"
            f"<title>{html.escape(title)}"
            "</title><style>body{background:#0c181f;color:#eee;font:16px/1.5 monospace;"
            "max-width:44em;margin:4em auto;padding:0 1em}</style></head><body>"
            f"<h1>{html.escape(title)}</h1>{body}</body></html>")
    return web.Response(status=status, text=text, content_type="text/html",
                        headers=PAGE_HEADERS)


def forbidden(why: str) -> web.Response:
    return simple_page("leaktui: forbidden", [
        why, "Open the URL that `leaktui serve` printed (it holds this run's token), or run "
        "its ssh -L command and open that URL on your machine."], 403)


def continue_page(target: str) -> web.Response:
    """The answer to the token URL: the cookie is set with it; the page then loads `target`
    (the same address without the token, so the token leaves the address bar and history).
    A navigation started by this page is same-site, so the Strict cookie goes with it."""
    script_target = json.dumps(target).replace("<", "\\u003c")
    text = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>leaktui</title>"
            f"<script>location.replace({script_target})</script></head><body>"
            f"<p><a href=\"{html.escape(target)}\">Open leaktui</a></p></body></html>")
    return web.Response(text=text, content_type="text/html", headers=PAGE_HEADERS)


class AppProcess(AppService):
    """textual-serve's app process, with a stop that cannot hang and a way to know it ended."""

    async def exited(self) -> int | None:
        """Wait for the app process to end; its exit status."""
        return None if self._process is None else await self._process.wait()

    async def stop_within(self, seconds: float) -> str | None:
        """Ask the app to quit; kill it when it has not ended within `seconds`. None when it
        quit, else what happened (for the log)."""
        process = self._process
        stopping = asyncio.ensure_future(self.stop())  # "quit", then read until its output ends
        try:
            await asyncio.wait_for(asyncio.shield(stopping), seconds)
            if process is not None:
                await asyncio.wait_for(process.wait(), seconds)
            return None
        except asyncio.TimeoutError:  # TimeoutError itself only from 3.11 on
            if process is not None and process.returncode is None:
                process.kill()
            try:
                await asyncio.wait_for(stopping, seconds)  # its output ends with it
                if process is not None:
                    await asyncio.wait_for(process.wait(), seconds)
            except asyncio.TimeoutError:
                pid = None if process is None else process.pid
                return f"its app (pid {pid}) could not be ended"
            return f"its app was killed after {seconds:.0f} s without quitting"


@dataclass
class Session:
    number: int
    peer: str
    websocket: web.WebSocketResponse
    last_input: float
    end_reason: str | None = None  # None while it runs; the first cause to end it wins
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def end(self, reason: str, code: int = WSCloseCode.OK, message: bytes = b"") -> None:
        if self.end_reason is None:
            self.end_reason = reason
        await self.websocket.close(code=code, message=message)


class GuardedServer(Server):
    """textual-serve behind the token, Host and Origin checks, with counted, timed sessions."""

    def __init__(self, command: str, *, host: str, port: int, public_url: str, guard: Guard,
                 max_sessions: int, idle_s: float, stop_grace_s: float = STOP_GRACE_S) -> None:
        super().__init__(command, host=host, port=port, title="leaktui", public_url=public_url)
        self.guard = guard
        self.max_sessions = max_sessions
        self.idle_s = idle_s
        self.stop_grace_s = stop_grace_s
        self.sessions: dict[int, Session] = {}
        self._numbers = itertools.count(1)

    # -- the checks in front of every route ------------------------------------------------
    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._check)
        return app

    @web.middleware
    async def _check(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        guard = self.guard
        what = f"{request.method} {request.path} from {request.remote}"
        host = request.headers.get("Host")
        if not guard.host_ok(host):
            log(f"refused {what}: Host {shown(host)} is not this server's")
            return forbidden("This server answers only to the address it printed.")
        assert host is not None
        token = request.query.get("token")
        by_token = guard.token_ok(token)
        if not by_token and not guard.cookie_ok(request.cookies.get(guard.cookie_name)):
            log(f"refused {what}: {'wrong token' if token is not None else 'no token'}")
            return forbidden("This page needs the token of this `leaktui serve` run.")
        origin = request.headers.get("Origin")
        websocket = request.headers.get("Upgrade", "").lower() == "websocket"
        if (origin is not None or websocket) and not guard.origin_ok(origin, host):
            log(f"refused {what}: Origin {shown(origin)} is not this page")
            return forbidden("Requests from other web pages are refused.")
        if by_token and request.path == "/" and not websocket:
            kept = [(k, v) for k, v in request.query.items() if k != "token"]
            target = str(request.rel_url.with_query(kept))
            response: web.StreamResponse = continue_page(target)
        else:
            response = await handler(request)
        if not response.prepared:
            response.headers.update(SECURITY_HEADERS)
            if by_token:
                response.set_cookie(guard.cookie_name, guard.cookie_value, httponly=True,
                                    samesite="Strict", path="/")
        return response

    # -- the page --------------------------------------------------------------------------
    async def handle_index(self, request: web.Request) -> web.Response:  # type: ignore[override]
        if len(self.sessions) >= self.max_sessions:
            return self.limit_page()  # not logged: it retries by itself every few seconds
        base = f"http://{request.host}"  # the checked Host: links work through any tunnel
        try:
            font_size = int(request.query.get("fontsize", "16"))
        except ValueError:
            font_size = 16
        context = {"font_size": font_size, "app_websocket_url": f"ws://{request.host}/ws",
                   "config": {"static": {"url": f"{base}/static/"}},
                   "application": {"name": self.title}}
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.headers.update(PAGE_HEADERS)
        return response

    def limit_page(self) -> web.Response:
        return simple_page("leaktui: session limit reached", [
            f"{len(self.sessions)} browser sessions are open, the most this server allows "
            f"(--max-sessions {self.max_sessions}); each runs its own leaktui with the "
            "snapshots loaded.",
            "Close another leaktui tab, or wait until a session has had no input for "
            f"{format_duration(self.idle_s)}. This page tries again every {LIMIT_RETRY_S} "
            "seconds and opens leaktui as soon as a session is free."], 503, LIMIT_RETRY_S)

    # -- the sessions ----------------------------------------------------------------------
    async def handle_websocket(  # type: ignore[override]  # the limit page is no websocket
            self, request: web.Request) -> web.StreamResponse:
        if len(self.sessions) >= self.max_sessions:
            log(f"refused a session for {request.remote}: {len(self.sessions)} open, the "
                f"limit (--max-sessions {self.max_sessions})")
            return self.limit_page()
        loop = asyncio.get_running_loop()
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT_S)
        if not websocket.can_prepare(request).ok:
            return web.Response(status=400, text="leaktui: /ws is the app's websocket\n")
        session = Session(next(self._numbers), str(request.remote), websocket, loop.time())
        self.sessions[session.number] = session  # counted before the first await
        try:
            await websocket.prepare(request)
        except BaseException:
            del self.sessions[session.number]
            raise
        service: AppProcess | None = None
        try:
            width = _int(request.query.get("width"), 80)
            height = _int(request.query.get("height"), 24)

            async def app_quit() -> None:
                await session.end("the app quit")

            service = AppProcess(self.command, write_bytes=websocket.send_bytes,
                                 write_str=websocket.send_str, close=app_quit,
                                 download_manager=self.download_manager, debug=self.debug)
            await service.start(width, height)
            log(f"session {session.number} started for {session.peer} "
                f"({len(self.sessions)} of {self.max_sessions} open)")
            session.tasks = [asyncio.create_task(self._end_when_idle(session)),
                             asyncio.create_task(self._end_when_app_exits(session, service))]
            await self._relay(session, service)
        except asyncio.CancelledError:
            session.end_reason = session.end_reason or "server stopping"
            raise
        finally:
            reason = session.end_reason or "tab closed"
            session.end_reason = session.end_reason or reason  # what comes next is cleanup
            for task in session.tasks:
                task.cancel()
            trouble = None if service is None else await service.stop_within(self.stop_grace_s)
            if trouble is not None:
                reason += f"; {trouble}"
            del self.sessions[session.number]
            await websocket.close()
            if service is not None:
                log(f"session {session.number} ended: {reason} "
                    f"({len(self.sessions)} of {self.max_sessions} open)")
        return websocket

    async def _relay(self, session: Session, service: AppProcess) -> None:
        """Browser to app: keys and mouse (stdin) and resizes count as input; pings do not."""
        loop = asyncio.get_running_loop()
        websocket = session.websocket
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
            except ValueError:
                continue
            if not isinstance(envelope, list) or not envelope:
                continue
            kind = envelope[0]
            data = envelope[1] if len(envelope) > 1 else None
            if kind == "stdin" and isinstance(data, str):
                session.last_input = loop.time()
                await service.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                session.last_input = loop.time()
                await service.set_terminal_size(_int(data.get("width"), 80),
                                                _int(data.get("height"), 24))
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()

    async def _end_when_idle(self, session: Session) -> None:
        loop = asyncio.get_running_loop()
        while (left := session.last_input + self.idle_s - loop.time()) > 0:
            await asyncio.sleep(left)
        await session.end(f"no input for {format_duration(self.idle_s)}",
                          WSCloseCode.GOING_AWAY, b"idle")

    async def _end_when_app_exits(self, session: Session, service: AppProcess) -> None:
        status = await service.exited()
        await session.end("the app quit" if status == 0 else
                          f"the app exited with status {status}")

    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints a banner here; `leaktui serve` printed its own."""

    async def on_shutdown(self, app: web.Application) -> None:
        await asyncio.gather(*(
            session.end("server stopping", WSCloseCode.GOING_AWAY, b"shutdown")
            for session in list(self.sessions.values())))

    def initialize_logging(self) -> None:
        """textual-serve's own messages (an app that failed to start) go to stderr; no access
        log, since a request line can hold the token."""
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("leaktui serve: %(message)s"))
        textual_log = logging.getLogger("textual-serve")
        textual_log.addHandler(handler)
        textual_log.setLevel(logging.INFO)
        textual_log.propagate = False

    def serve(self, debug: bool = False) -> None:
        self.debug = debug
        self.initialize_logging()
        web.run_app(self._make_app(), host=self.host, port=self.port, access_log=None,
                    print=None, handle_signals=True, loop=asyncio.new_event_loop())


def _int(value: object, default: int) -> int:
    if isinstance(value, int | str):
        try:
            return int(value)
        except ValueError:
            pass
    return default

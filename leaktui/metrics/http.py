"""HTTP for the metrics sources (a Prometheus server, a service's /metrics endpoint): the
standard library's urllib, TLS verified, credentials from flags or the environment and never
shown. Every failure becomes one LeakTuiError line naming the URL (without credentials)."""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from leaktui.errors import LeakTuiError

TIMEOUT_S = 10.0
MAX_BODY = 256 * 1024 * 1024  # a response larger than this is refused, not read into memory
ENV_TOKEN = "LEAKTUI_PROMETHEUS_TOKEN"
ENV_USER = "LEAKTUI_PROMETHEUS_USER"
ENV_PASSWORD = "LEAKTUI_PROMETHEUS_PASSWORD"


@dataclass(frozen=True)
class Credentials:
    """Basic auth or a bearer token. ``repr`` hides them so they never reach a log."""

    user: str | None = None
    password: str | None = None
    token: str | None = None

    def __repr__(self) -> str:
        kind = "bearer" if self.token else "basic" if self.user else "none"
        return f"Credentials({kind})"

    def header(self) -> str | None:
        if self.token:
            return f"Bearer {self.token}"
        if self.user is not None:
            raw = f"{self.user}:{self.password or ''}".encode()
            return "Basic " + base64.b64encode(raw).decode("ascii")
        return None


def credentials(user: str | None = None, token: str | None = None,
                env: dict[str, str] | None = None) -> Credentials:
    """From ``--user USER[:PASSWORD]`` / ``--bearer-token TOKEN``, else the environment
    (LEAKTUI_PROMETHEUS_TOKEN, LEAKTUI_PROMETHEUS_USER and LEAKTUI_PROMETHEUS_PASSWORD)."""
    env = dict(os.environ) if env is None else env
    if user and token:
        raise LeakTuiError("give basic auth (--user) or a bearer token, not both")
    token = token or (None if user else env.get(ENV_TOKEN) or None)
    if token:
        return Credentials(token=token)
    user = user or env.get(ENV_USER) or None
    if user is None:
        return Credentials()
    name, colon, password = user.partition(":")
    return Credentials(user=name, password=password if colon else env.get(ENV_PASSWORD))


def split_url(url: str, creds: Credentials) -> tuple[str, Credentials]:
    """``url`` without user:password (taken as basic auth unless credentials were given) and
    checked to be http(s) with a host."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LeakTuiError(f"not an http(s) URL: {public_url(url)}")
    if parts.username is not None:
        if creds.header() is None:
            creds = Credentials(user=urllib.parse.unquote(parts.username),
                                password=urllib.parse.unquote(parts.password or ""))
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        netloc = host + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urllib.parse.urlunsplit(parts).rstrip("/"), creds


def public_url(url: str) -> str:
    """``url`` as it may be shown: any user:password removed."""
    parts = urllib.parse.urlsplit(url)
    if "@" in parts.netloc:
        parts = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1])
    return urllib.parse.urlunsplit(parts)


def get(url: str, creds: Credentials, accept: str = "*/*",
        timeout: float = TIMEOUT_S) -> tuple[int, bytes]:
    """(status, body) of a GET; raises LeakTuiError for a refused connection, a timeout, a
    TLS failure or an oversized body. HTTP error statuses are returned, not raised, so the
    caller can quote the server's own message."""
    request = urllib.request.Request(url, headers={"Accept": accept,
                                                   "User-Agent": "leaktui"})
    auth = creds.header()
    if auth:
        request.add_header("Authorization", auth)
    shown = public_url(url.split("?", 1)[0])
    context = ssl.create_default_context()
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return int(response.status), _read(response, shown)
    except urllib.error.HTTPError as exc:
        return int(exc.code), _read(exc, shown)
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ssl.SSLError):
            raise LeakTuiError(f"{shown}: TLS failed ({reason.reason or reason})") from None
        if isinstance(reason, ConnectionRefusedError):
            raise LeakTuiError(f"{shown}: connection refused (is the server running?)") \
                from None
        if isinstance(reason, socket.gaierror):
            raise LeakTuiError(f"{shown}: unknown host") from None
        if isinstance(reason, TimeoutError):
            raise LeakTuiError(f"{shown}: no answer within {timeout:g} s") from None
        text = reason.strerror if isinstance(reason, OSError) and reason.strerror else reason
        raise LeakTuiError(f"{shown}: cannot connect ({text})") from None
    except TimeoutError:
        raise LeakTuiError(f"{shown}: no answer within {timeout:g} s") from None
    except (ConnectionError, OSError) as exc:
        raise LeakTuiError(f"{shown}: connection failed ({exc.strerror or exc})") from None
    except http.client.HTTPException as exc:  # a broken answer (cut short, bad status line)
        raise LeakTuiError(f"{shown}: broken HTTP answer ({type(exc).__name__})") from None


def _read(response, shown: str) -> bytes:  # type: ignore[no-untyped-def]
    body = response.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise LeakTuiError(f"{shown}: answer larger than {MAX_BODY // 2**20} MiB")
    return bytes(body)


def get_json(url: str, creds: Credentials, timeout: float = TIMEOUT_S) -> tuple[int, object]:
    """(status, decoded JSON or None when the body is not JSON)."""
    status, body = get(url, creds, "application/json", timeout)
    try:
        return status, json.loads(body)
    except ValueError:
        return status, None


def first_line(body: bytes, limit: int = 160) -> str:
    text = body.decode("utf-8", "replace").strip().splitlines()
    return (text[0][:limit] if text else "").strip()

"""`leaktui serve` keeps the heap's secrets behind this run's token: real HTTP and websocket
requests against a real server on a free loopback port (no browser here; the browser test is
in test_serve_browser.py)."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from serve_support import (
    MINI,
    Served,
    first_screen,
    free_port,
    refusal_status,
    served,
    until,
    until_async,
    ws_connect,
)


def logged(server: Served, text: str) -> None:
    """Wait until the server's log (read by a thread from its stderr) holds ``text``."""
    until(lambda: text in server.log(), 30, f"{text!r} in the server's log")

def test_the_printed_url_and_tunnel_command_carry_a_fresh_128_bit_token() -> None:
    with served() as one, served() as two:
        for server in (one, two):
            assert re.fullmatch(r"[A-Za-z0-9_-]{43}", server.token)  # 32 bytes from secrets
            assert server.banner[1].startswith(f"From another machine: ssh -N -L {server.port}"
                                               f":127.0.0.1:{server.port} ")
            assert server.banner[1].rstrip().endswith(f"then open {server.url}")
        assert one.token != two.token


def test_without_the_token_page_assets_and_websocket_are_forbidden_and_no_app_starts() -> None:
    with served() as server:
        for path in ("/", "/static/js/textual.js", "/static/css/xterm.css", "/download/x"):
            reply = server.get(path)
            assert reply.status == 403, (path, reply.status)
            assert "token" in reply.body

        async def try_websocket() -> int:
            with pytest.raises(Exception) as refused:
                async with ws_connect(server, cookie=None):
                    pass
            return refusal_status(refused.value)

        assert asyncio.run(try_websocket()) == 403
        assert server.apps() == []
        assert "session" not in server.log()
        logged(server, "refused GET / from 127.0.0.1: no token")


def test_a_wrong_token_is_forbidden() -> None:
    with served() as server:
        near = server.token[:-1] + ("A" if server.token[-1] != "A" else "B")
        for guess in (near, server.token[:-1], server.token + "x", "", "%C3%A9" * 20):
            reply = server.get(f"/?token={guess}")
            assert reply.status == 403, (guess, reply.status)
            assert "Set-Cookie" not in reply.headers
        assert server.get("/", cookie=f"leaktui-{server.port}={server.token}").status == 403
        assert server.apps() == []
        logged(server, "wrong token")


def test_the_right_token_sets_an_httponly_strict_cookie_and_leaves_the_address_bar() -> None:
    with served() as server:
        reply = server.get(f"/?token={server.token}&fontsize=12")
        assert reply.status == 200
        cookie = reply.headers["Set-Cookie"]
        attributes = {a.strip().lower() for a in cookie.split(";")[1:]}
        assert {"httponly", "samesite=strict", "path=/"} <= attributes, cookie
        assert server.token not in cookie  # the cookie is derived from the token, not it
        assert 'location.replace("/?fontsize=12")' in reply.body
        assert server.token not in reply.body
        assert reply.headers["Referrer-Policy"] == "no-referrer"


def test_the_cookie_alone_opens_the_page_and_its_assets_on_reload() -> None:
    with served() as server:
        cookie = server.sign_in()
        page = server.get("/", cookie=cookie)
        assert page.status == 200
        assert f'data-session-websocket-url="ws://127.0.0.1:{server.port}/ws"' in page.body
        for asset in ("/static/js/textual.js", "/static/css/xterm.css"):
            assert server.get(asset, cookie=cookie).status == 200, asset
        assert server.get("/?fontsize=20", cookie=cookie).status == 200
        assert server.get("/ws", cookie=cookie).status == 400  # not a websocket upgrade
        assert server.apps() == []  # a page alone starts nothing: its websocket does


def test_a_foreign_host_is_forbidden_even_with_the_token_or_cookie() -> None:
    with served() as server:
        cookie = server.sign_in()
        for host in (f"evil.example:{server.port}", "evil.example", f"127.0.0.2:{server.port}",
                     f"localhost.evil.example:{server.port}"):
            assert server.get(f"/?token={server.token}", host=host).status == 403, host
            assert server.get("/", host=host, cookie=cookie).status == 403, host
        page = server.get("/", host=f"localhost:{server.port}", cookie=cookie)
        assert page.status == 200  # localhost names this server too; links follow the Host
        assert f'data-session-websocket-url="ws://localhost:{server.port}/ws"' in page.body
        logged(server, "Host 'evil.example")
        assert server.apps() == []


def test_a_websocket_from_another_origin_is_refused_and_the_pages_own_is_served() -> None:
    with served() as server:
        cookie = server.sign_in()

        async def attempts() -> tuple[list[int], bytes]:
            statuses = []
            for origin in ("http://evil.example", f"http://evil.example:{server.port}",
                           f"https://127.0.0.1:{server.port}", "null", None):
                with pytest.raises(Exception) as refused:
                    async with ws_connect(server, cookie=cookie, origin=origin):
                        pass
                statuses.append(refusal_status(refused.value))
            assert server.apps() == []
            async with ws_connect(server, cookie=cookie) as ws:
                return statuses, await first_screen(ws)

        statuses, screen = asyncio.run(attempts())
        assert statuses == [403] * 5
        assert b"Retained" in screen
        logged(server, "Origin 'http://evil.example'")
        # no Origin at all: not a browser page of ours
        logged(server, "Origin ''")


def test_sessions_beyond_the_limit_get_a_page_that_says_so() -> None:
    with served() as server:  # the default limit: 2
        cookie = server.sign_in()

        async def scenario() -> None:
            async with ws_connect(server, cookie=cookie) as one, \
                    ws_connect(server, cookie=cookie) as two:
                await first_screen(one)
                await first_screen(two)
                assert len(server.apps()) == 2
                page = server.get("/", cookie=cookie)
                assert page.status == 503
                assert "session limit reached" in page.body
                assert "--max-sessions 2" in page.body
                assert '<meta http-equiv="refresh" content="5">' in page.body  # retries
                with pytest.raises(Exception) as refused:
                    async with ws_connect(server, cookie=cookie):
                        pass
                assert refusal_status(refused.value) == 503
                assert len(server.apps()) == 2
            # both tabs closed: their sessions end and the page is served again
            await until_async(lambda: server.log().count(" ended: tab closed") == 2, 60,
                              f"the two sessions did not end: {server.log()}")
            assert server.get("/", cookie=cookie).status == 200

        asyncio.run(scenario())
        assert "refused a session for 127.0.0.1: 2 open, the limit" in server.log()


def test_closing_the_tab_ends_its_session_and_its_app() -> None:
    with served("--max-sessions", "1") as server:
        cookie = server.sign_in()

        async def scenario() -> list[int]:
            async with ws_connect(server, cookie=cookie) as ws:
                await first_screen(ws)
                apps = server.apps()
                assert len(apps) == 1
                assert server.get("/", cookie=cookie).status == 503  # --max-sessions 1
            return apps

        apps = asyncio.run(scenario())
        until(lambda: "session 1 ended: tab closed" in server.log(), 60,
              f"no end of session 1 in the log: {server.log()}")
        assert server.apps() == []
        assert not Path(f"/proc/{apps[0]}").exists()
        assert server.get("/", cookie=cookie).status == 200


def test_a_session_without_input_ends_after_the_idle_time() -> None:
    with served("--idle", "2s") as server:
        cookie = server.sign_in()

        async def scenario() -> int | None:
            async with ws_connect(server, cookie=cookie) as ws:
                await ws.wait_closed()  # the server closes it; the test only waits
                return ws.close_code  # type: ignore[no-any-return]

        # Closed by the server: 1001 (going away), or 1006 when the app's exit drops the
        # connection before the close frame is out (seen on a loaded machine).
        assert asyncio.run(asyncio.wait_for(scenario(), 60)) in (1001, 1006)
        until(lambda: "session 1 ended: no input for 2 s" in server.log(), 60,
              f"no idle end of session 1 in the log: {server.log()}")
        assert server.apps() == []


def test_keys_keep_a_session_alive_past_the_idle_time() -> None:
    # Keys every 0.25 s for more than two idle times; the session ends only once they stop.
    # (The idle time is long against the gap between keys, so a loaded machine cannot fake
    # idleness.) The screen is read all along, as a browser does.
    with served("--idle", "5s") as server:
        cookie = server.sign_in()

        async def scenario() -> None:
            async with ws_connect(server, cookie=cookie) as ws:
                async def read_screen() -> None:
                    async for _ in ws:
                        pass

                reader = asyncio.create_task(read_screen())
                loop = asyncio.get_running_loop()
                until_end = loop.time() + 12
                while loop.time() < until_end:
                    await ws.send('["stdin", "j"]')
                    await asyncio.sleep(0.25)
                    assert " ended" not in server.log(), server.log()
                await asyncio.wait_for(reader, 60)  # ends when the server closes the socket

        asyncio.run(scenario())
        until(lambda: "session 1 ended" in server.log(), 60, server.log())
        assert "session 1 ended: no input for 5 s (0 of 2 open)" in server.log()


def test_the_log_has_each_session_start_and_end_but_never_the_token() -> None:
    with served() as server:
        cookie = server.sign_in()
        server.get(f"/static/js/textual.js?token={server.token}")
        server.get(f"/?token={server.token}x")

        async def scenario() -> None:
            async with ws_connect(server, cookie=cookie, query=f"&token={server.token}") as ws:
                await first_screen(ws)

        asyncio.run(scenario())
        until(lambda: "session 1 ended" in server.log(), 60, server.log())
        server.stop()
        log = server.log()
        assert re.search(r"session 1 started for 127\.0\.0\.1 \(1 of 2 open\)", log), log
        assert re.search(r"session 1 ended: tab closed \(0 of 2 open\)", log), log
        assert server.token not in log
        assert server.token[:12] not in log
        everything = server.output()
        assert everything.count(server.token) == 2  # the banner's URL and ssh line, nothing else


def test_a_token_file_sets_the_token(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    chosen = "0123456789abcdef0123456789abcdef"  # 128 bits in hex
    token_file.write_text(chosen + "\n")
    token_file.chmod(0o600)
    with served("--token-file", str(token_file)) as server:
        assert server.token == chosen
        assert server.get(f"/?token={chosen}").status == 200
        assert server.get("/").status == 403


def serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leaktui.cli", "serve", str(MINI), *args],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("content", "mode", "problem"), [
    ("0123456789abcdef0123456789abcdef", 0o644, "other users may read this token file"),
    ("short", 0o600, "not a usable token"),
    ("has spaces in it and is long enough", 0o600, "not a usable token"),
    ("", 0o600, "not a usable token"),
])
def test_an_unusable_token_file_is_refused_in_one_line(tmp_path: Path, content: str, mode: int,
                                                       problem: str) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(content)
    token_file.chmod(mode)
    res = serve("--token-file", str(token_file), "--port", "1")
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and f"{token_file}: {problem}" in res.stderr
    assert content == "" or content not in res.stderr
    assert "Serving" not in res.stdout


def test_a_missing_token_file_is_refused_in_one_line(tmp_path: Path) -> None:
    res = serve("--token-file", str(tmp_path / "nope"))
    assert res.returncode == 2 and f"{tmp_path / 'nope'}: no such file" in res.stderr


@pytest.mark.parametrize(("args", "problem"), [
    (("--max-sessions", "0"), "--max-sessions 0: at least 1"),
    (("--idle", "soon"), "--idle: not a duration: 'soon'"),
    (("--idle", "0"), "--idle: not a duration: '0'"),
])
def test_bad_session_limits_are_refused_in_one_line(args: tuple[str, ...], problem: str) -> None:
    res = serve(*args)
    assert res.returncode == 2 and problem in res.stderr and res.stderr.count("\n") == 1


def test_allow_remote_keeps_its_warning_and_still_needs_the_token() -> None:
    name = socket.gethostname()
    server = Served.start("--allow-remote", host="0.0.0.0")
    try:
        assert server.url == f"http://{name}:{server.port}/?token={server.token}"
        until(lambda: "warning: serving on 0.0.0.0, not loopback" in server.log(), 30,
              server.log())
        host = f"{name}:{server.port}"
        assert server.get("/", host=host).status == 403
        assert server.get(f"/?token={server.token[::-1]}", host=host).status == 403
        assert server.get(f"/?token={server.token}", host="evil.example").status == 403
        assert server.get(f"/?token={server.token}", host=host).status == 200
        assert server.apps() == []
    finally:
        server.stop()


def test_a_stopped_server_ends_its_sessions_and_apps() -> None:
    server = Served.start()
    try:
        cookie = server.sign_in()

        async def scenario() -> list[int]:
            async with ws_connect(server, cookie=cookie) as ws:
                await first_screen(ws)
                apps = server.apps()
                server.process.terminate()
                await asyncio.wait_for(ws.wait_closed(), 60)
                return apps

        apps = asyncio.run(scenario())
        assert server.process.wait(timeout=60) == 0
        assert "session 1 ended: server stopping" in server.log()
        until(lambda: not any(Path(f"/proc/{pid}").exists() for pid in apps), 30,
              f"apps {apps} still run after the server stopped")
    finally:
        server.stop()


def test_the_token_is_in_no_command_line_or_environment() -> None:
    # Other users on the host can read command lines (ps); the token never goes there.
    with served() as server:
        cookie = server.sign_in()

        async def scenario() -> list[int]:
            async with ws_connect(server, cookie=cookie) as ws:
                await first_screen(ws)
                pids = [server.process.pid, *server.apps()]
                for pid in list(pids[1:]):  # the shell textual-serve starts, and its app
                    pids += [int(c) for t in Path(f"/proc/{pid}/task").iterdir()
                             for c in (t / "children").read_text().split()]
                for pid in pids:
                    for what in ("cmdline", "environ"):
                        assert server.token not in Path(f"/proc/{pid}/{what}").read_text(
                            errors="replace"), (pid, what)
                return pids

        assert len(asyncio.run(scenario())) >= 2


def test_an_app_that_ignores_quit_is_killed_when_its_tab_closes() -> None:
    # A session's app that never answers (here `sleep`, standing in for an app stuck in a
    # load) must not outlive its tab: it is killed after the grace time, and the log says so.
    from leaktui.commands.serve_guard import Guard

    guard = Guard(token="t" * 43, port=free_port(), hosts=frozenset({"127.0.0.1"}))
    program = (
        "from leaktui.commands.serve_guard import Guard, GuardedServer\n"
        f"guard = Guard(token={guard.token!r}, port={guard.port}, hosts={guard.hosts!r})\n"
        f"GuardedServer('exec sleep 600', host='127.0.0.1', port={guard.port}, "
        f"public_url='http://127.0.0.1:{guard.port}', guard=guard, max_sessions=2, idle_s=600, "
        "stop_grace_s=1).serve()\n")
    process = subprocess.Popen([sys.executable, "-c", program], stderr=subprocess.PIPE,
                               text=True)
    try:
        server = Served.attach(process, guard.port, guard.token)
        cookie = f"{guard.cookie_name}={guard.cookie_value}"

        async def scenario() -> list[int]:
            async with ws_connect(server, cookie=cookie):
                await until_async(lambda: "session 1 started" in server.log(), 30, server.log())
                return server.apps()

        apps = asyncio.run(scenario())
        assert len(apps) == 1
        until(lambda: "session 1 ended" in server.log(), 60, server.log())
        assert ("session 1 ended: tab closed; its app was killed after 1 s without quitting"
                in server.log())
        assert not Path(f"/proc/{apps[0]}").exists()
    finally:
        process.terminate()
        process.wait(timeout=30)

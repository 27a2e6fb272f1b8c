"""TCP sockets from /proc (Linux): which ports a process listens on, who is connected to a port,
which process holds a port. Reading these files opens no socket."""

from __future__ import annotations

import ipaddress
import os
import sys
from dataclasses import dataclass

from leaktui.errors import LeakTuiError

LISTEN = 0x0A
ESTABLISHED = 0x01
TABLES = ("/proc/net/tcp", "/proc/net/tcp6")


@dataclass(frozen=True)
class TcpSocket:
    local_host: str
    local_port: int
    remote_host: str
    remote_port: int
    state: int
    inode: int


def available() -> bool:
    """True where the socket tables can be read (Linux with /proc)."""
    return os.path.exists(TABLES[0])


def _address(text: str) -> tuple[str, int]:
    """`0100007F:1F90` -> ('127.0.0.1', 8080): the address is kept in 32-bit words in host order."""
    hex_ip, hex_port = text.split(":")
    raw = bytes.fromhex(hex_ip)
    if sys.byteorder == "little":
        raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    ip = ipaddress.ip_address(raw)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return str(ip), int(hex_port, 16)


def parse_table(text: str) -> list[TcpSocket]:
    """The rows of a /proc/net/tcp or tcp6 file (header line skipped)."""
    rows = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10:
            continue
        local_host, local_port = _address(fields[1])
        remote_host, remote_port = _address(fields[2])
        rows.append(TcpSocket(local_host, local_port, remote_host, remote_port,
                              int(fields[3], 16), int(fields[9])))
    return rows


def tcp_sockets() -> list[TcpSocket]:
    """Every TCP socket of this network namespace, IPv4 and IPv6."""
    rows: list[TcpSocket] = []
    for table in TABLES:
        try:
            with open(table, encoding="ascii") as f:
                rows.extend(parse_table(f.read()))
        except FileNotFoundError:
            continue
    return rows


def socket_inodes(pid: int) -> set[int]:
    """Inodes of the sockets process `pid` has open."""
    fd_dir = f"/proc/{pid}/fd"
    try:
        names = os.listdir(fd_dir)
    except PermissionError:
        raise LeakTuiError(f"permission denied reading the open files of process {pid} "
                           "(run leaktui as the process's user)") from None
    except FileNotFoundError:
        raise LeakTuiError(f"no process with pid {pid}") from None
    inodes = set()
    for name in names:
        try:
            link = os.readlink(f"{fd_dir}/{name}")
        except OSError:
            continue  # closed meanwhile
        if link.startswith("socket:["):
            inodes.add(int(link[8:-1]))
    return inodes


def listening(pid: int) -> list[TcpSocket]:
    """The TCP ports process `pid` listens on."""
    inodes = socket_inodes(pid)
    return [s for s in tcp_sockets() if s.state == LISTEN and s.inode in inodes]


def clients_of(port: int) -> list[TcpSocket]:
    """Established connections accepted on `port` (the server's side of each)."""
    return [s for s in tcp_sockets() if s.state == ESTABLISHED and s.local_port == port]


def listener_on(port: int) -> TcpSocket | None:
    return next((s for s in tcp_sockets() if s.state == LISTEN and s.local_port == port), None)


def owner_of(inode: int) -> int | None:
    """The pid holding socket `inode`, if this user may look (None otherwise)."""
    target = f"socket:[{inode}]"
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            names = os.listdir(f"/proc/{entry}/fd")
        except OSError:
            continue
        for name in names:
            try:
                if os.readlink(f"/proc/{entry}/fd/{name}") == target:
                    return int(entry)
            except OSError:
                continue
    return None


def same_network_namespace(pid: int) -> bool:
    """False when `pid` lives in another network namespace (a container): its loopback is not
    ours. True when it cannot be told."""
    try:
        return os.readlink(f"/proc/{pid}/ns/net") == os.readlink("/proc/self/ns/net")
    except OSError:
        return True

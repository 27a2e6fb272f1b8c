"""Pinned findings, saved next to the snapshot so a colleague who opens the same file sees
them. A corrupt pins file is set aside (renamed), never lost."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

import msgspec

PINS_SUFFIX = ".leaktui-pins.json"


class Pin(msgspec.Struct, frozen=True):
    node_id: int
    class_name: str
    note: str
    retained_size: int
    path: list[str]
    created: float
    kind: str = "object"  # "object" | "suspect"
    pattern: str | None = None
    advice: str | None = None


class PinFile(msgspec.Struct):
    snapshot: str
    pins: list[Pin] = []


def _fallback_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"),
                                                            ".local", "state")
    return Path(base) / "leaktui" / "pins"


class PinStore:
    def __init__(self, snapshot_path: str) -> None:
        self.snapshot = os.path.abspath(snapshot_path)
        beside = Path(self.snapshot + PINS_SUFFIX)
        if os.access(beside.parent, os.W_OK) or beside.exists():
            self.file = beside
        else:
            digest = hashlib.sha256(self.snapshot.encode()).hexdigest()[:16]
            self.file = _fallback_dir() / f"{digest}.json"
        self.pins: list[Pin] = []
        self.message: str | None = None
        self.load()

    def load(self) -> None:
        if not self.file.exists():
            self.pins = []
            return
        try:
            data = msgspec.json.decode(self.file.read_bytes(), type=PinFile)
            self.pins = list(data.pins)
        except (msgspec.DecodeError, msgspec.ValidationError, OSError):
            aside = self.file.with_name(f"{self.file.name}.corrupt-{int(time.time())}")
            try:
                os.replace(self.file, aside)
                self.message = f"pins file {self.file} was unreadable: kept as {aside}"
            except OSError as exc:
                self.message = f"pins file {self.file} is unreadable ({exc.strerror})"
            self.pins = []

    def add(self, pin: Pin) -> None:
        self.pins = [p for p in self.pins if p.node_id != pin.node_id] + [pin]
        self.save()

    def remove(self, node_id: int) -> None:
        self.pins = [p for p in self.pins if p.node_id != node_id]
        self.save()

    def save(self) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        data = msgspec.json.encode(PinFile(self.snapshot, self.pins))
        fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".pins-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, self.file)
        except OSError:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


def pins_markdown(pins: list[Pin]) -> list[str]:
    lines = []
    for p in pins:
        path = ".".join(p.path) or "(a root)"
        lines.append(f"- **{p.class_name} @{p.node_id}** ({p.retained_size:,} B retained) via "
                     f"`{path}`" + (f": {p.note}" if p.note else ""))
        if p.advice:
            lines.append(f"  fix: {p.advice}")
    return lines

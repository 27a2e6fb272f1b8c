"""Pinned findings, saved next to the snapshot so a colleague who opens the same file sees
them, and findings as chat-sized Markdown.

A pins file is `<snapshot>.leaktui-pins.json` beside the snapshot; when that folder cannot be
written, `$XDG_STATE_HOME/leaktui/pins/<hash>.json` (default `~/.local/state`). A corrupt pins
file is renamed to `<name>.corrupt-<timestamp>`, never deleted, and the store says so. No
Textual here: the CLI report and the TUI both use this module.
"""

from __future__ import annotations

import errno
import gzip
import os
import re
import time
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from leaktui.errors import LeakTuiError
from leaktui.text import flat
from leaktui.units import format_size

if TYPE_CHECKING:
    from leaktui.snapshot import HeapSnapshot

PINS_SUFFIX = ".leaktui-pins.json"
HEADER_BYTES = 64 * 1024  # the `snapshot` header (meta, counts) sits in the first few kB
PINS_LISTED = 15  # pins listed in a report; the rest are counted
NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)
_COUNT = re.compile(rb'"(node_count|edge_count)"\s*:\s*(\d+)')


class Fingerprint(msgspec.Struct, frozen=True):
    """Tells one snapshot file from another without loading it: its size on disk and the
    node and edge counts of its header (a copy or a move keeps all three)."""

    file_size: int
    node_count: int
    edge_count: int


class Pin(msgspec.Struct, frozen=True, kw_only=True):
    """One finding: an object (or a suspect's holder) of a snapshot, with a note."""

    node_id: int
    class_name: str
    note: str
    retained_size: int
    path: list[str]  # edge names from the user root (`global`) down to the object
    created: float  # seconds since the epoch
    kind: Literal["object", "suspect"] = "object"
    pattern: str | None = None  # the suspect's pattern, for kind "suspect"
    advice: str | None = None  # the suspect's fix
    snapshot: str = ""  # absolute path of the snapshot when it was pinned
    file_size: int = 0  # the snapshot's fingerprint when pinned (0: not recorded)
    node_count: int = 0
    edge_count: int = 0
    path_text: str = ""  # the path as written everywhere (`paths.path_text`; "" in old pins)

    def shown_path(self) -> str:
        """The pin's path as the object pane wrote it when pinned (pins made before
        `path_text` was recorded: their edge names joined)."""
        from leaktui.snapshot.paths import NO_PATH

        if self.path_text:
            return self.path_text
        return "global." + ".".join(self.path) if self.path else NO_PATH

    def made_on(self, fingerprint: Fingerprint | None) -> bool:
        """Whether the pin was made on a snapshot with these node and edge counts (a pin that
        recorded none, or a file whose header cannot be read, counts as matching)."""
        if fingerprint is None or not self.node_count:
            return True
        return (self.node_count, self.edge_count) == (fingerprint.node_count,
                                                       fingerprint.edge_count)


class PinFile(msgspec.Struct):
    snapshot: str
    pins: list[Pin] = []
    version: int = 1


def snapshot_fingerprint(path: str) -> Fingerprint | None:
    """Size and header counts of a snapshot (plain or gzip), reading only its first bytes;
    None when the file cannot be read or has no such header."""
    try:
        size = os.stat(path).st_size
        with open(path, "rb") as raw:
            magic = raw.read(2)
            raw.seek(0)
            if magic == b"\x1f\x8b":
                with gzip.GzipFile(fileobj=raw) as unzipped:
                    head = unzipped.read(HEADER_BYTES)
            else:
                head = raw.read(HEADER_BYTES)
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    head = head.split(b'"nodes"', 1)[0]
    counts = {m.group(1): int(m.group(2)) for m in _COUNT.finditer(head)}
    if b"node_count" not in counts or b"edge_count" not in counts:
        return None
    return Fingerprint(size, counts[b"node_count"], counts[b"edge_count"])


def fallback_pins_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"),
                                                            ".local", "state")
    return Path(base) / "leaktui" / "pins"


def _writable_dir(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


class PinStore:
    """The pins of one snapshot. `message` holds what the user should be told after loading
    or saving (a corrupt file set aside, pins kept elsewhere, pins made on another file)."""

    def __init__(self, snapshot_path: str) -> None:
        self.snapshot = os.path.abspath(snapshot_path)
        self.beside = Path(self.snapshot + PINS_SUFFIX)
        self.fingerprint = snapshot_fingerprint(self.snapshot)
        self.file = self.beside
        self.messages: list[str] = []
        self.pins: list[Pin] = []
        if not _writable_dir(self.beside.parent):
            self._use_fallback("the snapshot's folder is not writable")
        self.load()

    @cached_property
    def fallback(self) -> Path:
        """Where the pins go when the snapshot's folder cannot be written (named by a hash of
        the snapshot's real path; worked out only when needed, hashlib is a start-up cost)."""
        import hashlib

        digest = hashlib.sha256(os.path.realpath(self.snapshot).encode()).hexdigest()[:20]
        return fallback_pins_dir() / f"{digest}.json"

    @property
    def message(self) -> str | None:
        return "; ".join(self.messages) if self.messages else None

    def _say(self, message: str) -> None:
        if message not in self.messages:
            self.messages.append(message)

    def _use_fallback(self, why: str) -> None:
        self.file = self.fallback
        self._say(f"pins for {os.path.basename(self.snapshot)} are kept in "
                             f"{self.fallback} ({why})")

    # ------------------------------------------------------------------ reading
    def load(self) -> None:
        """Read the pins: those beside the snapshot (a colleague's), then, when this store
        writes elsewhere, the ones saved there; a pin of the same object replaces the
        earlier one. Call again to see pins others saved since (e.g. a colleague pinning
        the same file in `leaktui serve`)."""
        sources = [self.beside] + ([self.file] if self.file != self.beside else [])
        merged: dict[int, Pin] = {}
        for source in sources:
            for pin in self._read(source):
                merged.pop(pin.node_id, None)
                merged[pin.node_id] = pin
        self.pins = list(merged.values())
        stale = self.stale()
        if stale and self.fingerprint is not None:
            first = stale[0]
            self._say(
                f"{len(stale)} of {len(self.pins)} pins were made on another snapshot "
                f"({first.node_count:,} nodes then, {self.fingerprint.node_count:,} now): "
                "their object ids may point elsewhere")

    def _read(self, source: Path) -> list[Pin]:
        try:
            data = source.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            self._say(f"cannot read pins file {source}: {exc.strerror or exc}")
            return []
        try:
            return list(msgspec.json.decode(data, type=PinFile).pins)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            self._set_aside(source, str(exc))
            return []

    def _set_aside(self, source: Path, problem: str) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = source.with_name(f"{source.name}.corrupt-{stamp}")
        n = 1
        while aside.exists():
            aside = source.with_name(f"{source.name}.corrupt-{stamp}-{n}")
            n += 1
        try:
            os.rename(source, aside)
        except OSError as exc:
            self._say(f"pins file {source} is corrupt ({problem}) and could not be "
                                 f"set aside ({exc.strerror or exc}): left as it is")
            return
        self._say(f"pins file {source} was corrupt ({problem}): kept as {aside.name}"
                             ", starting with no pins")

    # ------------------------------------------------------------------ queries
    def stale(self) -> list[Pin]:
        """Pins made on a snapshot whose header counts differ from this file's."""
        return [p for p in self.pins if not p.made_on(self.fingerprint)]

    def find(self, node_id: int) -> Pin | None:
        return next((p for p in self.pins if p.node_id == node_id), None)

    # ------------------------------------------------------------------ writing
    def add(self, pin: Pin) -> Pin:
        """Save a pin (stamped with this snapshot's fingerprint); a pin of the same object
        replaces the old one. Pins another person saved since loading are kept."""
        fp = self.fingerprint
        pin = msgspec.structs.replace(
            pin, snapshot=pin.snapshot or self.snapshot,
            file_size=pin.file_size or (fp.file_size if fp else 0),
            node_count=pin.node_count or (fp.node_count if fp else 0),
            edge_count=pin.edge_count or (fp.edge_count if fp else 0))
        self._merge_from_disk()
        self.pins = [p for p in self.pins if p.node_id != pin.node_id] + [pin]
        self.save()
        return pin

    def remove(self, node_id: int) -> bool:
        self._merge_from_disk()
        kept = [p for p in self.pins if p.node_id != node_id]
        if len(kept) == len(self.pins):
            return False
        self.pins = kept
        self.save()
        return True

    def _merge_from_disk(self) -> None:
        """Take in pins written to our file by someone else since we read it."""
        mine = {p.node_id for p in self.pins}
        try:
            data = self.file.read_bytes()
            on_disk = msgspec.json.decode(data, type=PinFile).pins
        except (OSError, msgspec.DecodeError, msgspec.ValidationError):
            return  # nothing there, or a problem load() reported already
        self.pins = [p for p in on_disk if p.node_id not in mine] + self.pins

    def save(self) -> None:
        """Write atomically (temp file + rename). Raises LeakTuiError saying where it failed;
        a folder that turns out not to be writable switches to the fallback place."""
        try:
            self._write(self.file)
        except OSError as exc:
            if self.file != self.beside or exc.errno not in NOT_WRITABLE:
                raise LeakTuiError(f"cannot save pins to {self.file}: "
                                   f"{exc.strerror or exc}") from None
            self._use_fallback(f"cannot write beside the snapshot: {exc.strerror}")
            try:
                self._write(self.file)
            except OSError as again:
                raise LeakTuiError(f"cannot save pins to {self.file}: "
                                   f"{again.strerror or again}") from None

    def _write(self, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        data = msgspec.json.format(msgspec.json.encode(PinFile(self.snapshot, self.pins)))
        import tempfile  # here: only saving needs it (a report only reads)

        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data + b"\n")
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, self._file_mode(target))
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def _file_mode(self, target: Path) -> int:
        """Beside the snapshot, whoever may read the snapshot may read its pins; in the
        private fallback place, only the owner."""
        if target != self.beside:
            return 0o600
        try:
            return (os.stat(self.snapshot).st_mode & 0o666) | 0o600
        except OSError:
            return 0o644


# ---------------------------------------------------------------------- Markdown


def _suspect_field(suspect: Mapping[str, Any] | object, name: str) -> Any:
    if isinstance(suspect, Mapping):
        return suspect.get(name)
    return getattr(suspect, name, None)


def finding_markdown(snap: HeapSnapshot, node_ordinal: int, note: str | None = None,
                     suspect: Mapping[str, Any] | object | None = None) -> str:
    """One finding as Markdown that fits a chat message: a summary line (class @id, retained
    size, the note), the retainer path from `global`, a table of sizes, then the suspect's
    pattern and advice when one is given (a Suspect or its dict form)."""
    from leaktui.snapshot.paths import path_text, user_distance

    o = int(node_ordinal)
    retained = int(snap.retained_size[o])
    shallow = int(snap.self_size[o])
    share = 100.0 * retained / max(snap.total_size, 1)
    label = f"{snap.class_name(o)} @{int(snap.node_id[o])}"
    summary = f"**{label}** retains **{format_size(retained)}** ({share:.1f}% of the heap)"
    if note:
        summary += f": {flat(note)}"
    distance = user_distance(snap, o)
    distance_text = "-" if distance is None else str(distance)
    lines = [summary, "", f"`{path_text(snap, o)}`", "",
             "| retained | shallow | share of heap | distance |",
             "|---:|---:|---:|---:|",
             f"| {retained:,} B | {shallow:,} B | {share:.1f}% of {format_size(snap.total_size)} "
             f"| {distance_text} |"]
    if suspect is not None:
        pattern = _suspect_field(suspect, "pattern")
        severity = _suspect_field(suspect, "severity")
        title = _suspect_field(suspect, "title")
        advice = _suspect_field(suspect, "advice")
        lines.append("")
        head = f"Suspect: **{pattern}**" + (f" ({severity})" if severity else "")
        lines.append(head + (f": {flat(str(title))}" if title else ""))
        if advice:
            lines.append(f"Fix: {flat(str(advice))}")
    lines.append("")
    lines.append(f"_{os.path.basename(snap.path)} · leaktui_")
    return "\n".join(lines)


def pins_markdown(pins: Iterable[Pin]) -> str:
    """Pinned findings as a Markdown list, one line each (plus the fix for a suspect);
    after PINS_LISTED pins, a count of the rest."""
    pins = list(pins)
    lines: list[str] = []
    for p in pins[:PINS_LISTED]:
        path = p.shown_path()
        what = f"{p.pattern} suspect, " if p.kind == "suspect" and p.pattern else ""
        line = f"- **{p.class_name} @{p.node_id}** ({what}{format_size(p.retained_size)} " \
               f"retained) via `{path}`"
        if p.note:
            line += f": {flat(p.note)}"
        lines.append(line)
        if p.advice:
            lines.append(f"  - fix: {flat(p.advice)}")
    if len(pins) > PINS_LISTED:
        lines.append(f"- … and {len(pins) - PINS_LISTED} more (leaktui Findings view, key 6)")
    return "\n".join(lines)

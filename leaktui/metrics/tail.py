"""Follow a metrics file: only new bytes are read; a partial last line waits for its end;
truncation and rotation (a new inode) start over cleanly; a file that does not exist yet is
waited for; a huge file is read from its tail (keeping a CSV file's header)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

from leaktui.metrics.samples import LineParser, Sample, SampleTable

TAIL_BYTES = 4 * 1024 * 1024  # a file larger than this is read from its last 4 MiB
READ_CHUNK = 1024 * 1024
MAX_LINE = 64 * 1024  # a "line" longer than this is garbage (no newline in sight)
FINGERPRINT = 64  # bytes before the read offset, to notice a file rewritten in place
MAX_NOTES = 20
POLL_INTERVAL = 0.5  # seconds; also the safety-net poll while waiting for change events


@dataclass
class TailState:
    inode: tuple[int, int] | None = None  # (device, inode) of the file being read
    offset: int = 0  # bytes consumed
    partial: bytes = b""  # an incomplete last line, waiting for its newline
    drop_first: bool = False  # the text up to the next newline is not a whole line
    fingerprint: bytes = b""  # the last bytes before `offset`
    resets: int = 0  # truncations and rotations seen
    waiting: bool = True  # the file does not exist (yet)
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.notes.append(text)
        del self.notes[:-MAX_NOTES]


class MetricsTail:
    """Reads new samples from ``path`` on each `poll()`. ``tail_bytes=None`` reads a file
    from its start whatever its size (reports); otherwise a larger file starts near its end."""

    def __init__(self, path: str, tail_bytes: int | None = TAIL_BYTES) -> None:
        self.path = path
        self.tail_bytes = tail_bytes
        self.state = TailState()
        self.parser = LineParser()
        self.count = 0  # samples returned so far

    @property
    def bad_lines(self) -> int:
        return self.parser.bad_lines

    def status(self) -> tuple[int, bool, int]:
        """Changes whenever something worth showing besides samples changes."""
        return (self.bad_lines, self.state.waiting, self.state.resets)

    def poll(self, max_bytes: int | None = None) -> list[Sample]:
        """New samples since the last call (possibly none); reads at most about ``max_bytes``
        (whole chunks) when given."""
        st = self.state
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            st.waiting = True
            return []
        except OSError as exc:
            st.note(f"cannot read {self.path}: {exc.strerror}")
            return []
        st.waiting = False
        inode = (info.st_dev, info.st_ino)
        if inode != st.inode:
            if st.inode is not None:
                self._restart("file rotated: reading the new one")
            st.inode = inode
            self._start(info.st_size)
        elif info.st_size < st.offset:
            self._restart("file truncated: reading it again")
            self._start(info.st_size)
        if info.st_size == st.offset:
            return []
        try:
            with open(self.path, "rb") as f:
                if not self._same_prefix(f):
                    self._restart("file rewritten: reading it again")
                    self._start(info.st_size)
                return self._read(f, max_bytes)
        except FileNotFoundError:
            st.waiting = True  # removed between stat and open: the next poll sees the new one
        except OSError as exc:
            st.note(f"read error: {exc.strerror}")
        return []

    def flush(self) -> list[Sample]:
        """Take a final line without a newline as complete (at the end of a report)."""
        st = self.state
        line, st.partial = st.partial, b""
        if st.drop_first or not line:
            return []
        sample = self.parser.parse(line)
        if sample is None:
            return []
        self.count += 1
        return [sample]

    def read_all(self) -> SampleTable:
        """Everything from the current offset to the end, in bounded chunks, as columns."""
        table = SampleTable()
        while True:
            before = (self.state.inode, self.state.offset)
            table.extend(self.poll(max_bytes=8 * READ_CHUNK))
            if (self.state.inode, self.state.offset) == before:
                break
        table.extend(self.flush())
        return table

    # -- internals ---------------------------------------------------------------------------

    def _restart(self, why: str) -> None:
        self.state.resets += 1
        self.state.note(why)
        self.parser.reset()

    def _start(self, size: int) -> None:
        """Begin a file: from its start, or from its tail when it is huge."""
        st = self.state
        st.partial, st.fingerprint, st.drop_first, st.offset = b"", b"", False, 0
        if self.tail_bytes is None or size <= self.tail_bytes:
            return
        st.offset = size - self.tail_bytes
        try:
            with open(self.path, "rb") as fh:
                first = fh.readline(MAX_LINE)
                self.parser.learn_header(first)  # a CSV file keeps its column names
                fh.seek(st.offset - 1)
                before = fh.read(1)
        except OSError:
            return
        st.drop_first = before != b"\n"  # started inside a line: skip its rest

    def _same_prefix(self, f) -> bool:  # type: ignore[no-untyped-def]
        """False when the bytes before our offset changed (truncated and rewritten past it)."""
        st = self.state
        if not st.fingerprint:
            return True
        f.seek(st.offset - len(st.fingerprint))
        return bool(f.read(len(st.fingerprint)) == st.fingerprint)

    def _read(self, f, max_bytes: int | None) -> list[Sample]:  # type: ignore[no-untyped-def]
        st = self.state
        new: list[Sample] = []
        f.seek(st.offset)
        read = 0
        while max_bytes is None or read < max_bytes:
            chunk = f.read(READ_CHUNK)
            if not chunk:
                break
            read += len(chunk)
            st.offset += len(chunk)
            st.fingerprint = (st.fingerprint + chunk[-FINGERPRINT:])[-FINGERPRINT:]
            lines = (st.partial + chunk).split(b"\n")
            st.partial = lines.pop()
            if st.drop_first and lines:
                lines.pop(0)
                st.drop_first = False
            for line in lines:
                sample = self.parser.parse(line)
                if sample is not None:
                    new.append(sample)
            if len(st.partial) > MAX_LINE:  # no newline for too long: garbage, skip it
                if not st.drop_first:
                    self.parser.bad_lines += 1
                st.partial, st.drop_first = b"", True
        self.count += len(new)
        return new


def _changed(tail: MetricsTail, batch: list[Sample], status: tuple[int, bool, int]) -> bool:
    return bool(batch) or tail.status() != status


async def watch_metrics(path: str, poll: bool = False, poll_interval: float = POLL_INTERVAL,
                        tail: MetricsTail | None = None) -> AsyncGenerator[list[Sample], None]:
    """Yield the samples already in the file, then each batch of new ones as the file changes.

    Change events come from watchfiles on the file's directory (not recursive, only this
    file's name); ``poll=True`` makes watchfiles poll instead (network mounts, containers).
    Either way the file is also checked every ``poll_interval`` seconds, so a missed event
    costs at most that; without a usable watcher (missing directory, no inotify) it falls back
    to plain polling. An empty batch is yielded when only the tail's `status()` changed (bad
    lines, waiting, resets). Pass ``tail`` to read those counters while watching."""
    tail = tail or MetricsTail(path)
    yield tail.poll()
    status = tail.status()
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    if os.path.isdir(directory):
        try:
            from watchfiles import awatch

            async for _changes in awatch(
                    directory, watch_filter=lambda _c, p: os.path.basename(p) == name,
                    debounce=200, step=20, rust_timeout=int(poll_interval * 1000),
                    yield_on_timeout=True, force_polling=True if poll else None,
                    poll_delay_ms=int(poll_interval * 1000), recursive=False):
                batch = tail.poll()
                if _changed(tail, batch, status):
                    status = tail.status()
                    yield batch
        except (OSError, RuntimeError) as exc:
            tail.state.note(f"file events unavailable ({exc}); polling every "
                            f"{poll_interval:g} s")
    while True:  # no watcher: plain polling
        await asyncio.sleep(poll_interval)
        batch = tail.poll()
        if _changed(tail, batch, status):
            status = tail.status()
            yield batch

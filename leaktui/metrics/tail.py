"""Follow a metrics file: only new bytes are read; a partial last line waits for its end;
truncation and rotation (a new inode) start over cleanly; a file that does not exist yet is
waited for; a huge file is read from its tail."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from leaktui.metrics.samples import LineParser, Sample

TAIL_BYTES = 4 * 1024 * 1024  # a file larger than this is read from its last 4 MB
READ_CHUNK = 1024 * 1024


@dataclass
class TailState:
    inode: int | None = None
    offset: int = 0
    partial: bytes = b""
    resets: int = 0
    waiting: bool = True  # the file does not exist (yet)
    skip_first_line: bool = False  # started mid-file: the first line is partial
    notes: list[str] = field(default_factory=list)


class MetricsTail:
    def __init__(self, path: str, tail_bytes: int = TAIL_BYTES) -> None:
        self.path = path
        self.tail_bytes = tail_bytes
        self.state = TailState()
        self.parser = LineParser()
        self.samples: list[Sample] = []

    @property
    def bad_lines(self) -> int:
        return self.parser.bad_lines

    def poll(self) -> list[Sample]:
        """New samples since the last call (possibly none)."""
        st = self.state
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            st.waiting = True
            return []
        except OSError as exc:
            st.notes.append(f"cannot read {self.path}: {exc.strerror}")
            return []
        st.waiting = False
        if st.inode is None or info.st_ino != st.inode:
            if st.inode is not None:
                st.resets += 1
                st.notes.append("file rotated: reading the new one from the start")
                self.parser.reset()
            st.inode = info.st_ino
            st.partial = b""
            st.offset = 0
            if info.st_size > self.tail_bytes and not self.samples:
                st.offset = info.st_size - self.tail_bytes
                st.skip_first_line = True
        elif info.st_size < st.offset:
            st.resets += 1
            st.notes.append("file truncated: reading from the start")
            st.offset = 0
            st.partial = b""
            self.parser.reset()
        if info.st_size == st.offset:
            return []
        new: list[Sample] = []
        try:
            with open(self.path, "rb") as f:
                f.seek(st.offset)
                while True:
                    chunk = f.read(READ_CHUNK)
                    if not chunk:
                        break
                    st.offset += len(chunk)
                    data = st.partial + chunk
                    lines = data.split(b"\n")
                    st.partial = lines.pop()
                    if st.skip_first_line and lines:
                        lines.pop(0)
                        st.skip_first_line = False
                    for line in lines:
                        sample = self.parser.parse(line)
                        if sample is not None:
                            new.append(sample)
        except OSError as exc:
            st.notes.append(f"read error: {exc.strerror}")
        self.samples.extend(new)
        return new


async def watch_metrics(path: str, poll: bool = False, poll_interval: float = 0.5,
                        tail: MetricsTail | None = None) -> AsyncIterator[list[Sample]]:
    """Yield batches of new samples as the file changes (watchfiles; `poll=True` for network
    mounts and containers, where change events do not arrive). Pass ``tail`` to read its
    counters (bad lines, resets) while watching."""
    tail = tail or MetricsTail(path)
    first = tail.poll()
    yield first
    directory = os.path.dirname(os.path.abspath(path)) or "."
    if not poll:
        try:
            from watchfiles import awatch

            async for _changes in awatch(directory, force_polling=False, step=50,
                                         rust_timeout=int(poll_interval * 1000)):
                batch = tail.poll()
                if batch:
                    yield batch
            return
        except (OSError, RuntimeError):
            pass  # fall back to polling (e.g. too many watches, unsupported filesystem)
    while True:
        await asyncio.sleep(poll_interval)
        batch = tail.poll()
        if batch:
            yield batch

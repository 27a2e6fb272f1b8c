"""Frames and allocation sites shared by sampling heap profiles and tracked snapshots.

Lines and columns here are always 1-based, as an editor shows them; 0 means unknown. (Heap
profiles store them 0-based and -1 for unknown; tracked snapshots store them 1-based and 0 for
unknown; each loader converts.)"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Frame:
    """One function in a call stack: where the function starts, not the allocating statement
    (V8 records function positions in both heap profiles and allocation traces)."""

    function: str  # "" for anonymous functions
    script: str  # path or URL; "" for builtins and code without a script
    line: int  # 1-based; 0 when unknown
    column: int  # 1-based; 0 when unknown
    script_id: int = 0  # V8's script id when known; 0 for builtins

    @property
    def native(self) -> bool:
        """A builtin (`push`, `repeat`, `JSON.parse`, ...) or V8 itself: no script at all."""
        return not self.script and not self.script_id

    @property
    def label(self) -> str:
        """`name script:line` as people read it: `leakyHandler /srv/app.js:12`."""
        name = self.function or "(anonymous)"
        return f"{name} {_where(self.script, self.script_id, self.line)}"

    @property
    def short_label(self) -> str:
        """Like `label` with only the script's file name."""
        name = self.function or "(anonymous)"
        base = os.path.basename(self.script) or self.script
        return f"{name} {_where(base, self.script_id, self.line)}"


def _where(script: str, script_id: int, line: int) -> str:
    if not script:  # a script V8 could no longer name, or a builtin
        where = f"(script {script_id})" if script_id else "(native)"
        return f"{where}:{line}" if line else where
    return f"{script}:{line}" if line else script


@dataclass(frozen=True)
class Site:
    """An allocation site, bottom-up. ``self_size``: bytes allocated with this site as the
    innermost frame; ``total_size``: bytes allocated while the site was anywhere on the stack
    (a recursive site counted once). ``count``: objects allocated here (tracked snapshots
    only; None for sampling profiles, whose samples are not objects)."""

    frame: Frame
    self_size: int
    total_size: int
    count: int | None = None

    @property
    def function(self) -> str:
        return self.frame.function

    @property
    def script(self) -> str:
        return self.frame.script

    @property
    def line(self) -> int:
        return self.frame.line

    @property
    def column(self) -> int:
        return self.frame.column

    @property
    def label(self) -> str:
        return self.frame.label

    @property
    def size(self) -> int:
        """Bytes of the objects this site allocated itself (= ``self_size``)."""
        return self.self_size

    def share(self, total: int) -> float:
        """``self_size`` as a fraction of ``total`` (0 when total is 0)."""
        return self.self_size / total if total > 0 else 0.0

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"function": self.function, "script": self.script,
                                  "line": self.line, "column": self.column,
                                  "self_size": self.self_size, "total_size": self.total_size}
        if self.count is not None:
            out["count"] = self.count
        return out

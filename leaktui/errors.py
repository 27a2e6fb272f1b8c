"""Errors that reach the user as one line, never as a traceback."""

from __future__ import annotations


class LeakTuiError(Exception):
    """Base of every error leaktui reports to the user (CLI exit status 2)."""


class SnapshotError(LeakTuiError):
    """A heap snapshot (or profile) that cannot be used: names the file and the problem."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem

"""Errors that reach the user as one line, never as a traceback."""

from __future__ import annotations

import os


class LeakTuiError(Exception):
    """Base of every error leaktui reports to the user (CLI exit status 2)."""


class LoadCancelled(Exception):
    """Loading was asked to stop (the app quits while a series loads): nothing is returned.
    Not a LeakTuiError: nothing went wrong and nothing is said."""


class SnapshotError(LeakTuiError):
    """A heap snapshot (or profile) that cannot be used: names the file and the problem."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def check_readable(path: str, kind: str = "heap snapshot", missing: str = "no such file") -> None:
    """Refuse a path that cannot be opened as a ``kind`` before any work starts: a missing
    file, a directory, or one this user may not read, each said in one line."""
    if not os.path.exists(path):
        raise LeakTuiError(f"{path}: {missing}")
    if os.path.isdir(path):
        raise LeakTuiError(f"{path}: is a directory, not a {kind}")
    if not os.access(path, os.R_OK):
        raise LeakTuiError(f"{path}: not readable (permission denied)")

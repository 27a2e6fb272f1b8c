"""Real npm libraries for the tests: each folder of tests/programs/npm/ is one small npm project
(package.json and package-lock.json committed, exact versions) installed with `npm ci` the first
time a test needs it. Programs in the folder require() its libraries as a service would."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path

NPM_PROJECTS = Path(__file__).parent / "programs" / "npm"


def npm_project(name: str) -> Path:
    """The folder tests/programs/npm/NAME with its node_modules installed from the lock file.

    Installs once per lock file (a stamp beside node_modules records which); concurrent test
    runs wait on a file lock instead of installing over each other. Raises with npm's own
    output when the install fails, so a test never runs against half a library.
    """
    folder = NPM_PROJECTS / name
    lock = folder / "package-lock.json"
    if not lock.is_file():
        raise FileNotFoundError(f"{lock} is missing: run `npm install` in {folder} and commit it")
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is required for the tests that use real npm libraries")
    stamp = folder / "node_modules" / ".leaktui-installed"
    wanted = lock.read_text()
    with open(folder / ".install.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not (stamp.is_file() and stamp.read_text() == wanted):
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                cwd=folder, capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                raise RuntimeError(f"npm ci in {folder} failed:\n{done.stdout}\n{done.stderr}")
            stamp.write_text(wanted)
    return folder

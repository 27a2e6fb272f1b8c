"""Test sessions, one per supported Python: `nox -s tests-3.10` (or tests-3.11, -3.12, -3.13;
`nox -l` lists them), and `nox -s lint` (ruff and mypy, on 3.11; both check for Python 3.10,
as pyproject.toml says). Each installs leaktui with its compiled kernels and the
tools at the locked versions (requirements/lock.txt, made by scripts/lock). Extra arguments go
to pytest: `nox -s tests-3.13 -- -k golden`.

Interpreters are found on PATH, then in pyenv's versions folder (pyenv's shims only answer for
the version selected, so its versions' own bin folders are searched too)."""

from __future__ import annotations

import os
from pathlib import Path

import nox

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
LOCK = Path(__file__).parent / "requirements" / "lock.txt"

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = False


def _pyenv_bins() -> list[str]:
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    return [str(p / "bin") for p in sorted(root.glob("3.*")) if (p / "bin").is_dir()]


os.environ["PATH"] = os.pathsep.join([os.environ.get("PATH", ""), *_pyenv_bins()])


def _install(session: nox.Session) -> None:
    session.install("-e", ".[test]", env={"PIP_CONSTRAINT": str(LOCK)})


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    _install(session)
    session.run("python", "-m", "pytest", "-q", *session.posargs)


# mypy reads numpy's type stubs, which differ by numpy release: numpy 2.5 (Python 3.12+ in the
# lock) declares ndarray.min()/max() as needing an argument, so the check runs where the lock
# installs numpy 2.4 (Python 3.11, the machines' own python3).
@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    _install(session)
    session.run("ruff", "check", ".")
    session.run("mypy", "leaktui", "--cache-dir", f"{session.virtualenv.location}/mypy-cache")

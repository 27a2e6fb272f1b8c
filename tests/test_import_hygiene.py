"""The analysis core never imports the UI: checked in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = [
    "leaktui.snapshot",
    "leaktui.snapshot.diff",
    "leaktui.snapshot.growth",
    "leaktui.report",
    "leaktui.cli",
]


def test_core_modules_do_not_import_textual() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE_MODULES)
        + "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        + "print(','.join(bad))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"textual imported by the core: {proc.stdout}"


def test_report_command_runs_without_importing_textual() -> None:
    code = (
        "import sys\n"
        "from leaktui.cli import build_parser\n"
        "build_parser('report')\n"
        "print(any(m.startswith('textual') for m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.stdout.strip() == "False", proc.stderr

"""The import contracts of pyproject.toml ([tool.importlinter]): entry points, TUI, analyses
and core in layers; no Textual or Rich outside the TUI; no import cycles between the TUI's
modules or between the top-level packages. Type-checking imports do not count."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_are_kept() -> None:
    code = "from importlinter.cli import lint_imports; raise SystemExit(lint_imports())"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "Contracts: 3 kept, 0 broken." in proc.stdout, proc.stdout[-2000:]


def test_the_view_contract_is_a_leaf() -> None:
    """`leaktui.tui.view` (what every view imports) imports no widget, no view and not the
    app: the registry (`leaktui.tui.views`) is where the views are composed."""
    import grimp

    graph = grimp.build_graph("leaktui", exclude_type_checking_imports=True)
    below = graph.find_upstream_modules("leaktui.tui.view")
    assert below <= {"leaktui", "leaktui.tui.session", "leaktui.units", "leaktui.errors"}, \
        sorted(below)

"""The analysis core never imports the UI: checked in a fresh interpreter."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

CORE_MODULES = [
    "leaktui.snapshot",
    "leaktui.snapshot.diff",
    "leaktui.snapshot.growth",
    "leaktui.snapshot.paths",
    "leaktui.report",
    "leaktui.series",
    "leaktui.units",
    "leaktui.text",
    "leaktui.capture.series",
    "leaktui.commands.capture",
    "leaktui.commands.watch",
    "leaktui.commands.preload_path",
    "leaktui.cli",
]
SAMPLE = (Path(__file__).resolve().parents[1] / "snapshots_sample" / "unbounded-cache"
          / "unbounded-cache-1.heapsnapshot.gz")


def fresh_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``code`` run by a new interpreter (nothing imported yet), with ``args`` in sys.argv."""
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120)


def test_core_modules_do_not_import_textual() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE_MODULES)
        + "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        + "print(','.join(bad))\n"
    )
    proc = fresh_python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"textual imported by the core: {proc.stdout}"


def test_report_command_runs_without_importing_textual() -> None:
    code = (
        "import sys\n"
        "from leaktui.cli import build_parser\n"
        "build_parser('report')\n"
        "print(any(m.startswith('textual') for m in sys.modules))\n"
    )
    proc = fresh_python(code)
    assert proc.stdout.strip() == "False", proc.stderr


def test_the_core_imports_nothing_above_it() -> None:
    """Every module of leaktui.snapshot loads with no other leaktui package (profiles, suspects,
    metrics, capture, commands, the TUI, reports) and no Textual or Rich."""
    code = (
        "import pkgutil, importlib, sys\n"
        "import leaktui.snapshot as core\n"
        "for m in pkgutil.iter_modules(core.__path__):\n"
        "    importlib.import_module('leaktui.snapshot.' + m.name)\n"
        "above = ('leaktui.profiles', 'leaktui.suspects', 'leaktui.metrics', 'leaktui.capture',\n"
        "         'leaktui.commands', 'leaktui.tui', 'leaktui.report', 'leaktui.cli',\n"
        "         'textual', 'rich')\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith(above))))\n"
    )
    proc = fresh_python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"the core imports from above it: {proc.stdout}"
    # Imports made inside functions too (only run when called): none names a package above.
    core_dir = Path(__file__).resolve().parents[1] / "leaktui" / "snapshot"
    pattern = re.compile(r"^\s*(from|import)\s+leaktui\.(?!snapshot\b|errors\b|units\b)(\w+)",
                         re.MULTILINE)
    found = {f"{src.name}: leaktui.{m.group(2)}" for src in core_dir.glob("*.py*")
             for m in pattern.finditer(src.read_text())}
    assert not found, f"the core imports from above it: {sorted(found)}"


def test_opening_snapshots_starts_the_app_before_numpy_is_imported() -> None:
    """`leaktui SNAPSHOT` draws its loading screen first: nothing on the way from the command
    line to the app's start imports numpy (the loading worker does, after the first frame)."""
    code = (
        "import importlib, sys\n"
        "import leaktui.tui.app as app\n"
        "from leaktui.cli import build_parser\n"
        "app.LeakApp.run = lambda self, *a, **k: print('numpy' in sys.modules) or 0\n"
        "args = build_parser('open').parse_args(['open', sys.argv[1]])\n"
        "importlib.import_module(args._module).run(args)\n"
    )
    proc = fresh_python(code, str(SAMPLE))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False", "numpy was imported before the app started"


def test_report_imports_no_module_it_does_not_use() -> None:
    """`leaktui report` pays only for what it runs: hashing and temporary files (pins saved
    elsewhere), the json module (msgspec writes the report) are imported where they are used."""
    code = (
        "import contextlib, io, sys\n"
        "from leaktui import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    rc = cli.main(['report', '--format', 'json', sys.argv[1]])\n"
        "print(rc, ','.join(m for m in ('hashlib', 'tempfile', 'json') if m in sys.modules))\n"
    )
    proc = fresh_python(code, str(SAMPLE))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0", f"report imported modules it does not use: {proc.stdout}"


def test_the_early_frame_is_drawn_before_textual_rich_or_numpy_is_imported() -> None:
    """`leaktui SNAPSHOT` draws its early loading frame (leaktui.tui.early_frame) having
    imported none of Textual, Rich or numpy."""
    code = (
        "import importlib, sys\n"
        "import leaktui.tui.early_frame as early\n"
        "from leaktui.cli import build_parser\n"
        "seen = []\n"
        "def draw(paths):\n"
        "    seen.append(sorted(m for m in ('textual', 'rich', 'numpy') if m in sys.modules))\n"
        "early.draw = draw\n"
        "sys.modules['leaktui.tui.app'] = None  # stop right after: its import fails\n"
        "args = build_parser('open').parse_args(['open', sys.argv[1]])\n"
        "try:\n"
        "    importlib.import_module(args._module).run(args)\n"
        "except ImportError:\n"
        "    pass\n"
        "print(seen)\n"
    )
    proc = fresh_python(code, str(SAMPLE))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[[]]", f"imported before the early frame: {proc.stdout}"


def test_the_app_draws_its_first_frame_before_importing_the_views_or_numpy() -> None:
    """The loading screen's mount and resize handlers ask whether views are mounted without
    importing their modules: those (and numpy) load after the first frame."""
    code = (
        "import asyncio, sys, time\n"
        "from leaktui.errors import LeakTuiError\n"
        "from leaktui.tui.app import LeakApp\n"
        "from leaktui.tui.main import MainScreen\n"
        "seen = []\n"
        "mount_views = MainScreen._mount_views\n"
        "async def after_first_frame(self):\n"
        "    seen.append(sorted(m for m in sys.modules if m == 'numpy'\n"
        "                       or m.startswith('leaktui.tui.widgets.')))\n"
        "    await mount_views(self)\n"
        "MainScreen._mount_views = after_first_frame\n"
        "def refuse(paths, progress):  # nothing read: the loading thread imports nothing\n"
        "    raise LeakTuiError('not read in this test')\n"
        "async def main():\n"
        "    app = LeakApp([sys.argv[1]], series_loader=refuse)\n"
        "    async with app.run_test(size=(80, 24)) as pilot:\n"
        "        deadline = time.monotonic() + 60\n"
        "        while not app.main.views_ready:\n"
        "            assert time.monotonic() < deadline, 'the views never mounted'\n"
        "            await pilot.pause(0.05)\n"
        "asyncio.run(main())\n"
        "print(seen)\n"
    )
    proc = fresh_python(code, str(SAMPLE))
    assert proc.returncode == 0, proc.stderr
    # Only the main screen's own light widgets (the key bar, the prompt bar): no view, no numpy.
    assert proc.stdout.strip() == \
        "[['leaktui.tui.widgets.keybar', 'leaktui.tui.widgets.prompt']]", proc.stdout

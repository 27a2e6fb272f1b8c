"""The README's screenshots are made by scripts that drive the app as a person would: they
must keep working as the TUI changes (they broke silently once when its structure moved)."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "screenshots" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def test_the_screenshot_script_drives_the_app_and_writes_an_svg_of_a_view(
        tmp_path: Path) -> None:
    shots = script("make_screenshots")
    paths = shots.find_series(None)
    shot = next(s for s in shots.SHOTS if s.name == "suspects")
    written = asyncio.run(shots.shoot(shot, paths, out=tmp_path))
    text = written.read_text().replace("&#160;", " ")
    assert written.parent == tmp_path and "Leak suspects" in text


def test_the_fleet_screenshot_script_imports_what_it_drives() -> None:
    fleet = script("make_fleet_screenshots")
    assert callable(getattr(fleet, "main", None))

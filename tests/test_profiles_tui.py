"""Allocation profiles in the TUI: a `--heap-prof` profile opens on its sites with the leaking
function's source, and a tracked snapshot groups a class's objects by allocation site.
(The profile and trace model itself is tested in test_profiles_{heapprofile,traces,report}.)"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import node_binary, wait_loaded

from leaktui.profiles.heapprofile import load_profile

PROGRAMS = Path(__file__).parent / "programs"


@pytest.fixture(scope="module")
def heap_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("heapprof")
    subprocess.run([node_binary(), "--no-opt", "--heap-prof", f"--heap-prof-dir={out}",
                    "--heap-prof-interval=1024", str(PROGRAMS / "profile_leak.js")],
                   check=True, timeout=60)
    return next(out.glob("*.heapprofile"))


async def test_profile_view_shows_sites_and_source(heap_profile: Path) -> None:
    from leaktui.tui.profile import ProfileApp, SitesTable

    app = ProfileApp(load_profile(str(heap_profile)))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        table = app.query_one(SitesTable)
        assert table.sites[0].function == "leakyHandler" and table.row_count > 3
        await pilot.press("down", "up")
        assert "leakyHandler" in str(app.query_one("#source").render())


async def test_classes_view_groups_a_class_by_allocation_site(tmp_path: Path) -> None:
    from leaktui.tui.app import LeakApp
    from leaktui.tui.widgets import ClassSummaryTable

    snap_path = tmp_path / "tracked.heapsnapshot"
    subprocess.run([node_binary(), "--expose-gc", "--track-heap-objects",
                    str(PROGRAMS / "tracked_leak.js"), str(snap_path)], check=True, timeout=60)
    app = LeakApp([str(snap_path)])
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1", "slash", *"token", "enter")
        table = app.query_one("#classes", ClassSummaryTable)
        assert table.rows_shown[0].name == "{token, scopes}"
        await pilot.press("a")
        text = str(app.query_one("#object").render())
        assert "openSession" in text and "tracked_leak.js:4" in text


async def test_sites_show_sizes_first_and_script_names_as_written(tmp_path: Path) -> None:
    """`node -e` code lives in a script named [eval]: shown as such, not eaten as markup; the
    sizes come first so a narrow pane never hides them."""
    from leaktui.tui.profile import ProfileApp, SitesTable

    program = ("const keep = []; function leakyHandler(i) { keep.push({ i, s: 'x'.repeat(200) + i"
               " }); } for (let i = 0; i < 50000; i++) leakyHandler(i);")
    subprocess.run([node_binary(), "--heap-prof", f"--heap-prof-dir={tmp_path}",
                    "--heap-prof-interval=1024", "-e", program], check=True, timeout=60)
    app = ProfileApp(load_profile(str(next(tmp_path.glob("*.heapprofile")))))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        table = app.query_one(SitesTable)
        row = next(i for i, s in enumerate(table.sites) if s.function == "leakyHandler")
        cells = [str(c) for c in table.get_row_at(row)]
        assert cells[0].endswith(("B", "kB", "MB")) and cells[3] == "leakyHandler"
        assert cells[4].startswith("[eval]:")
        table.move_cursor(row=row)
        await pilot.pause(0.1)
        assert "[eval]:" in app.export_screenshot()  # rendered, not taken for markup

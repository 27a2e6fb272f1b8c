"""Search the heap and duplicated strings in the TUI, driven by keys on a real snapshot (a Node
program plants a token in a session held by a Map in a module variable): `F`, the text, enter
lists the match; enter opens it with its retainers. `/` in the instances pane filters them.
View 5 shows the duplicated strings."""

from __future__ import annotations

import pytest
from conftest import write_series
from tui_support import cached_loader, tree_rows, wait_loaded, wait_until

from leaktui.snapshot.duplicates import find_duplicate_strings
from leaktui.tui.app import LeakApp
from leaktui.tui.widgets import InstanceTable, RetainerTree
from leaktui.tui.widgets.statistics import DuplicateStringsPane

SEED = "5b0c7e21d9a4"
TOKEN = "tok_" + SEED[::-1]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(write_series("planted_secrets.js", tmp_path_factory.mktemp("tuisearch"), SEED)[0])



async def test_find_key_type_enter_lists_the_token_and_enter_opens_it_with_retainers(
        planted: str) -> None:
    app = LeakApp([planted], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("F", *TOKEN, "enter")
        instances = app.query_one(InstanceTable)
        await wait_until(pilot, lambda: instances.title.startswith("found "))
        assert instances.title == f"found {TOKEN}"
        assert len(instances.members) == 1 and app.focused is instances
        snap = app.snap
        (node,) = instances.members.tolist()
        assert snap.name(node) == TOKEN
        await pilot.press("enter")
        tree = app.query_one(RetainerTree)
        await wait_until(pilot, lambda: app.current_object() == node)
        await wait_until(pilot, lambda: any("sessions" in r for r in tree_rows(tree)))
        labels = tree_rows(tree)
        assert any("token" in r and "Session" in r for r in labels), labels
        # The same search again is answered from the cache, without a worker.
        await pilot.press("F", *TOKEN)
        instances.title = ""
        await pilot.press("enter")
        assert instances.title == f"found {TOKEN}"


async def test_a_bad_regex_is_a_message_not_a_crash(planted: str) -> None:
    app = LeakApp([planted], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        title = app.query_one(InstanceTable).title
        await pilot.press("F", *"re:(", "enter")
        await wait_until(pilot, lambda: any("bad regex" in n.message
                                            for n in app.notices))
        assert app.query_one(InstanceTable).title == title


async def test_slash_in_the_instances_pane_filters_its_objects(planted: str) -> None:
    app = LeakApp([planted], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1", "slash", *"(string)", "enter", "enter")  # the strings' class
        instances = app.query_one(InstanceTable)
        await wait_until(pilot, lambda: app.focused is instances)
        before = len(instances.members)
        assert before > 1000
        await pilot.press("slash", *"re:^tok_[0-9a-f]+$", "enter")
        await wait_until(pilot, lambda: "/ re:^tok_" in instances.title)
        names = [app.snap.name(n) for n in instances.members.tolist()]
        assert names == [TOKEN]


async def test_statistics_view_lists_the_duplicated_strings_from_a_worker(planted: str) -> None:
    app = LeakApp([planted], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("5")
        pane = app.query_one(DuplicateStringsPane)
        expected = find_duplicate_strings(app.snap)
        first = expected.group(0)
        await wait_until(pilot, lambda: "texts held" in str(pane.content))
        text = str(pane.content)
        assert f"{len(expected):,} texts held {expected.total_count:,} times" in text
        assert f'"{first.value}"' in text and f"{first.count:,}" in text


def test_duplicate_values_are_shown_as_text_never_markup() -> None:
    from leaktui.text import one_line

    assert one_line("[bold]x[/]\n", 40) == "[bold]x[/]\\n"
    assert one_line("a" * 100, 10) == "a" * 9 + "…"


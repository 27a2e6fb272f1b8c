"""The help built from the key bindings (a modal screen), and what the go-to prompt asks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from leaktui.tui.frames import draw_when_ready

if TYPE_CHECKING:
    from leaktui.tui.views import ViewSpec


GOTO_QUESTION = "Go to object id (e.g. @12345; enter goes, esc cancels):"
GOTO_PLACEHOLDER = "@id"


def parse_object_id(value: str) -> int | None:
    """`@123`, `123` or ` @ 123 ` -> 123; anything else -> None."""
    text = value.strip().lstrip("@").strip()
    return int(text) if text.isdigit() else None


def _key_name(binding: Binding) -> str:
    names = {"question_mark": "?", "slash": "/", "left_square_bracket": "[",
             "right_square_bracket": "]"}
    return ", ".join(names.get(k.strip(), k.strip()) for k in binding.key.split(","))


def _bindings(items: Iterable[BindingType]) -> list[Binding]:
    return [b for b in items if isinstance(b, Binding) and (b.tooltip or b.description)]


HelpSection = tuple[str, list[tuple[str, str]]]


def help_sections(views: Sequence[ViewSpec], common: Iterable[BindingType],
                  focused: DOMNode | None) -> list[HelpSection]:
    """Views, the keys that work everywhere (``common``), then the keys of the pane that had
    the focus (else the view shown) and of its view, titled as the user sees them
    (`Retainers pane`, `View 1: classes, ...`), from the bindings themselves (so the help
    cannot drift from what the keys do)."""
    sections: list[HelpSection] = [
        ("Views", [(spec.key, spec.title + (f": {spec.description}" if spec.description
                                            else "")) for spec in views]),
        ("Keys everywhere", [(_key_name(b), b.tooltip or b.description)
                             for b in _bindings(common)
                             if not b.action.startswith(("view_key", "in_investigation"))]),
    ]
    titles = {spec.id: f"View {spec.key}: {spec.title}" for spec in views}
    node = focused
    while node is not None and not isinstance(node, (Screen, App)):
        own = _bindings(type(node).__dict__.get("BINDINGS", []))
        if own and type(node).__module__.startswith("leaktui"):
            title = getattr(type(node), "HELP_TITLE", "") or titles.get(node.id or "") or \
                type(node).__name__
            sections.append((title, [(_key_name(b), b.tooltip or b.description)
                                     for b in own]))
        node = node.parent
    sections.append(("Moving around", [
        ("arrows", "move; page up/down, home/end in tables"),
        ("enter, space", "open a row of a tree; enter on a table row drills in"),
        ("", "Growth and severity are shown with signs, arrows and words, never by colour "
             "alone; NO_COLOR is honoured."),
    ]))
    return sections


def render_help(sections: list[HelpSection]) -> Group:
    parts: list[Table | Text] = []
    for title, rows in sections:
        parts.append(Text(title, style="bold underline"))
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True, min_width=9)
        table.add_column(ratio=1)
        for key, text in rows:
            table.add_row(key, text)
        parts.append(table)
        parts.append(Text(""))
    return Group(*parts)


def help_plain(sections: list[HelpSection]) -> str:
    return "\n".join(f"{key} {text}" for _, rows in sections for key, text in rows)


class HelpScreen(ModalScreen[None]):
    """The help: it scrolls with the arrow and page keys at once (its text has the focus),
    esc or ? closes it and q quits, as everywhere else."""

    AUTO_FOCUS = "#help-box"
    BINDINGS = [
        Binding("escape,question_mark", "app.pop_screen", "close"),
        Binding("q", "app.quit", "quit"),
    ]

    def __init__(self, sections: list[HelpSection]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(render_help(self.sections), id="help-text")

    def on_mount(self) -> None:
        draw_when_ready(self)
        self.query_one("#help-box").border_title = "leaktui help (esc closes, q quits)"

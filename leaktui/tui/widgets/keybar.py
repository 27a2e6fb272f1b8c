"""KeyBar: one line of the keys that work now: a few chosen ones first (where one is, quit and
help), then those of the focused pane and its view, then the rest.

It is one piece of text, not a widget per key: moving the focus between panes changes the
line in place instead of rebuilding a row of widgets (Textual's Footer recomposes itself on
every focus change, which cost more than the rest of opening an object)."""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    COMPONENT_CLASSES = {"keybar--key"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        width: 100%;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .keybar--key { color: $footer-key-foreground; text-style: bold; }
    """

    def __init__(self, first: tuple[str, ...] = (), **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self.first = first  # actions shown before the others (e.g. quit and help)
        self._shown: Text | None = None
        self.note = ""  # shown first, e.g. where one is in the narrow layout

    def set_note(self, note: str) -> None:
        if note != self.note:
            self.note = note
            self.bindings_changed(self.screen)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        if screen is not self.screen:
            return
        text = self.key_text(screen)
        if self._shown is None or text.plain != self._shown.plain:
            self._shown = text
            self.update(text, layout=False)  # one line as wide as the screen, whatever it says

    def key_text(self, screen: Screen[object]) -> Text:
        key_style = self.get_component_rich_style("keybar--key", partial=True)
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.note:
            text.append(f" {self.note} ", style="reverse")
        seen: set[str] = set()
        palette = None
        actives = list(screen.active_bindings.items())
        rank = {action: i for i, action in enumerate(self.first)}
        actives.sort(key=lambda item: rank.get(item[1].binding.action, len(rank)))
        for key, active in actives:
            binding = active.binding
            if key == self.app.COMMAND_PALETTE_BINDING:
                palette = binding
                continue
            if not binding.show or not active.enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            text.append(f" {self.app.get_key_display(binding)}", style=key_style)
            text.append(f" {binding.description} ")
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            text.append(f" {self.app.get_key_display(palette)}", style=key_style)
            text.append(" palette")
        return text

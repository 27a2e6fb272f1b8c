"""PromptBar: one line of input at the bottom of the main screen (go to @id, search the heap,
filter the instances), instead of a pushed modal screen.

Pushing a modal screen renders the whole screen twice more (the modal over the dimmed screen,
then the screen again when it goes) and lays the new screen out: on a 160x50 terminal that cost
more than the rest of opening an object. The bar sits on a layer of its own over the key bar, so
showing or hiding it moves no pane: only its three lines are drawn."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input

from leaktui.tui.view import focus_now

Answer = Callable[[str | None], None]


class PromptBar(Vertical):
    """``ask(question, placeholder, done)``: enter calls ``done`` with the text typed (stripped),
    esc (or the focus moving elsewhere) with None. The focus goes back where it was unless
    ``done`` moved it."""

    DEFAULT_CSS = """
    PromptBar {
        layer: prompt;
        dock: bottom;
        height: 3;
        display: none;
        border: thick $accent;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    PromptBar > Input, PromptBar > Input:focus {
        border: none;
        height: 1;
        padding: 0;
        background: $surface;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "cancel")]
    HELP_TITLE = "Prompt"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._done: Answer | None = None
        self._back: Widget | None = None  # had the focus before the prompt

    def compose(self) -> ComposeResult:
        yield Input(id="prompt-input")

    @property
    def is_open(self) -> bool:
        return self._done is not None

    @property
    def question(self) -> str:
        """The question asked ("" when closed)."""
        return str(self.border_title) if self.is_open else ""

    def ask(self, question: str, placeholder: str, done: Answer) -> None:
        """Show the question and take the focus now, so the keys typed in one go after the
        command key (`g@123` then enter, one batch over SSH) all reach the input. A prompt
        already open is cancelled first."""
        if self._done is not None:
            self._close(None)
        field = self.query_one(Input)
        field.value = ""
        field.placeholder = placeholder
        self.border_title = Text(question)  # Text: titles carry class names, never markup
        self._back = self.screen.focused
        self._done = done
        self.display = True
        focus_now(field)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close(event.value.strip())

    def action_cancel(self) -> None:
        self._close(None)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        """The focus went to another widget (tab, a click on a pane): the prompt is dropped.
        Blur events arrive late: one for a prompt closed since, or that has the focus again, is
        old news; and with no focus at all the terminal window lost it (Textual gives it back
        to the input when the window has it again), so the prompt stays."""
        focused = self.screen.focused
        if self._done is not None and focused is not None and \
                focused is not self.query_one(Input):
            self._close(None, restore=False)

    def _close(self, value: str | None, restore: bool = True) -> None:
        done, self._done = self._done, None
        back, self._back = self._back, None
        if done is None:
            return
        field = self.query_one(Input)
        try:
            done(value)
        finally:
            if restore and self.screen.focused is field:  # ``done`` did not move it
                self.screen.set_focus(back if back is not None and back.is_attached
                                      and back.display else None)
            self.display = False

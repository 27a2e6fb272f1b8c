"""The contract every view implements, and nothing else (a leaf: it imports no widget).

A view is a widget behind a number key that also inherits `LeakView`. The main screen
builds the views from `ViewSpec`s (`leaktui.tui.views`, the registry), shows one at a time
and calls these hooks with the session it owns. A view asks for something by posting a
request from `leaktui.tui.messages` (`OpenObject`, `OpenObjects`, `OpenSuspect`, `OpenPin`);
it never reaches up into the app."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.widget import Widget

from leaktui.tui.session import Loaded

if TYPE_CHECKING:
    from leaktui.tui.session import Session

__all__ = ["LeakView", "Loaded", "focus_now"]


def focus_now(widget: Widget) -> None:
    """Give ``widget`` the focus before the next key is handled. `Widget.focus()` waits for
    the current message to end; keys that arrive in one batch (typed ahead, or pasted over
    SSH) would otherwise reach the widget that had the focus before."""
    widget.screen.set_focus(widget)


class LeakView:
    """Mixin for a view widget; every hook is optional and runs on the UI thread."""

    session: Session | None = None  # set by the main screen before the first hook

    def snapshots_loaded(self, loaded: Loaded) -> None:
        """The snapshots are in (called once)."""

    def snapshot_changed(self, loaded: Loaded, index: int) -> None:
        """``loaded.snaps[index]`` is now the snapshot shown (also right after loading)."""

    def pins_changed(self) -> None:
        """The session's pins changed (loaded, added, removed)."""

    def view_shown(self) -> None:
        """The view became visible: focus what the keys should go to."""
        widget = cast(Widget, self)
        for child in widget.query("*"):
            if child.focusable and child.display:
                focus_now(child)
                return
        widget.screen.set_focus(None)  # keys must not reach a pane of a hidden view

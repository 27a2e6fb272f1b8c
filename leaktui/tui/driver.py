"""The terminal driver: Textual's Linux driver, taking over the early frame's alternate screen
and reading keys as soon as they are known.

A lone escape (close the filter, leave a prompt) is told from the first byte of an escape
sequence (an arrow key) by waiting ESCDELAY for the sequence's next byte. Textual's input loop
looks at that wait only when its select() returns, which without input is every 100 ms, so
escape reached the app 100-200 ms after the key whatever ESCDELAY said. Here the select()
ends when the wait does.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder
from typing import ClassVar

from textual import _time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

from leaktui.tui.early_frame import ALT_SCREEN_ON, EarlyFrame

POLL_S = 0.1  # the longest wait for input when nothing is pending (Textual's)


def wait_for_input(parser: XTermParser, now: float) -> float:
    """How long to wait for the next byte: until the parser's pending wait ends (a lone
    escape), else `POLL_S`."""
    due = parser._timeout_time
    return POLL_S if due is None else min(POLL_S, max(0.0, due - now))


class LeakDriver(LinuxDriver):
    """Textual's Linux driver with the input loop described in the module's doc."""

    selector_class: ClassVar[type[selectors.BaseSelector]] = selectors.SelectSelector  # ttys
    early_frame: ClassVar[EarlyFrame | None] = None
    first_start = True

    def start_application_mode(self) -> None:
        """After an early frame, Textual does not switch to the alternate screen again on its
        first start (a terminal may clear the screen on a second switch, a blank flash between
        the two frames); it does after a suspend (ctrl+z), when the terminal is back on the
        main screen."""
        if self.early_frame is not None:
            self.early_frame.handed_over = True  # from here Textual leaves it itself
        try:
            super().start_application_mode()
        finally:
            self.first_start = False

    def write(self, data: str) -> None:
        if self.early_frame is not None and self.first_start and data == ALT_SCREEN_ON:
            return
        super().write(data)

    def run_input_thread(self) -> None:
        """Read the terminal until the driver stops, each key to the app as soon as it is
        known; at the end of input, wait for the stop."""
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        with self.selector_class() as selector:
            selector.register(self.fileno, selectors.EVENT_READ)
            while not self.exit_event.is_set():
                ready = selector.select(wait_for_input(parser, _time.get_time()))
                if ready:
                    data = os.read(self.fileno, 4096)
                    if not data:
                        break
                    text = decode(data)  # "" while a character's bytes are incomplete
                    for event in parser.feed(text) if text else ():
                        self.process_message(event)
                for event in parser.tick():
                    self.process_message(event)
        self.exit_event.wait()


def driver_after(frame: EarlyFrame | None) -> type[LeakDriver]:
    """The driver for an app started after ``frame`` was drawn (or without one)."""
    return type("AfterEarlyFrame", (LeakDriver,), {"early_frame": frame})

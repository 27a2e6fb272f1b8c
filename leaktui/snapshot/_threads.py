"""A call run on a second thread, its result (or exception) collected later: what the loader
and the pipeline need from a thread pool, without concurrent.futures (whose import pulls in
logging, a cost every command would pay at start)."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Beside(Generic[T]):
    """``fn(*args)`` started now on its own thread; `result()` waits for it."""

    def __init__(self, fn: Callable[..., T], *args: Any, name: str = "leaktui-kernel") -> None:
        self._value: T | None = None
        self._error: BaseException | None = None
        # In a copy of the caller's context: numpy's memory handler is a context variable
        # (`_memory.recycling`), and a new thread would otherwise start with the default.
        context = contextvars.copy_context()
        self._thread = threading.Thread(target=context.run, args=(self._run, fn, args),
                                        name=name, daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[..., T], args: tuple[Any, ...]) -> None:
        try:
            self._value = fn(*args)
        except BaseException as exc:  # handed to the caller of result()
            self._error = exc

    def done(self) -> bool:
        """Whether the call has ended (its result is ready)."""
        return not self._thread.is_alive()

    def wait(self) -> None:
        """Wait for the call to end, whatever its outcome."""
        self._thread.join()

    def result(self) -> T:
        """The call's return value, once it is done; its exception is raised here. The value
        is handed over, not kept: arrays it holds are freed as soon as the caller drops them
        (the pipeline drops the retaining nodes after the dominators; a reference kept here
        held them, an edge-sized array, until the whole analysis was over)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        value, self._value = self._value, None
        return value  # type: ignore[return-value]

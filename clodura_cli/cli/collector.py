"""The cyclic garbage collector at start-up: paused while typer and the app are imported and
built, resumed as the command begins, with what start-up made frozen (kept out of every later
collection, the one at exit included).

Importing typer and the app makes some 100,000 objects and no garbage worth collecting: the
collector would scan them again and again, a seventh of a start.
"""

from __future__ import annotations

import gc

TYPE_CHECKING = False  # typing itself costs a start a few milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    T = TypeVar("T")

_paused_at_start_up = False


def pause_for_start_up() -> None:
    """The process starts the app (cli/entry.py): no collection until the command begins."""
    global _paused_at_start_up
    _paused_at_start_up = True
    gc.disable()


def resume() -> None:
    """The command begins: the collector runs again for what the command makes. What start-up
    made is frozen first: it lives as long as the process, and no collection scans it again."""
    if _paused_at_start_up and not gc.isenabled():
        gc.freeze()
        gc.enable()


def as_start_up(make: Callable[[], T]) -> T:
    """What ``make`` makes lives as long as the process, as what start-up made does (the
    in-process emulator and its data set): made with the collector paused, then frozen
    likewise. Only in a process the command line started; elsewhere (tests running the app in
    theirs) ``make`` is simply called."""
    if not _paused_at_start_up or not gc.isenabled():
        return make()
    gc.disable()
    try:
        return make()
    finally:
        gc.freeze()
        gc.enable()

"""The cyclic garbage collector at start-up: paused while typer and the app are imported and
built, resumed as the command begins, with what start-up made frozen (kept out of every later
collection, the one at exit included).

Importing typer and the app makes some 100,000 objects and no garbage worth collecting: the
collector would scan them again and again, a seventh of a start.
"""

from __future__ import annotations

import gc

_paused_at_start_up = False


def pause_for_start_up() -> None:
    """The process starts the app (cli/entry.py): no collection until the command begins."""
    global _paused_at_start_up
    _paused_at_start_up = True
    gc.disable()


def resume() -> None:
    """The command begins: the collector runs again for what the command makes. What start-up
    made is frozen first: it lives as long as the process, and no collection scans it again.

    Only start-up's: a frozen object held in a reference cycle is never finalized, and what a
    command opens (a SQLite connection) must be closed at exit, its write-ahead log folded
    back into the file."""
    if _paused_at_start_up and not gc.isenabled():
        gc.freeze()
        gc.enable()

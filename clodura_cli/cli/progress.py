"""A progress bar on stderr, shown only when stderr is a terminal."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

from clodura_cli.cli import report, terminal

PageCallback = Callable[[Any, int], None]


def _bar(*columns: Any, console: Any) -> Any:
    """A transient bar on stderr that leaves stdout alone: rich's default redirects
    sys.stdout into the bar's console (stderr), which sent every record to the terminal
    instead of the file or pipe the user named."""
    from rich.progress import Progress

    return Progress(
        *columns, console=console, transient=True, redirect_stdout=False, redirect_stderr=False
    )


@contextlib.contextmanager
def page_progress(total_pages: int | None, enabled: bool) -> Iterator[PageCallback | None]:
    """A callback advancing a bar per page fetched; None when stderr is not a terminal."""
    if not enabled or not terminal.is_terminal("stderr") or report.is_quiet():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn

    console = Console(stderr=True, no_color="NO_COLOR" in os.environ)
    columns = [
        TextColumn("pages"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[records]} records"),
    ]
    with _bar(*columns, console=console) as progress:
        task = progress.add_task("fetch", total=total_pages, records=0)
        fetched = 0

        def advance(_page: Any, records: int) -> None:
            nonlocal fetched
            fetched += records
            progress.update(task, advance=1, records=fetched)

        yield advance


@contextlib.contextmanager
def count_progress(label: str, total: int) -> Iterator[Callable[[Any], None] | None]:
    """A callback counting finished items (reveal jobs, paid items) on a bar; None when stderr
    is not a terminal. An item with ``is_pending`` true is not finished yet."""
    if not terminal.is_terminal("stderr") or report.is_quiet():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn

    console = Console(stderr=True, no_color="NO_COLOR" in os.environ)
    with _bar(TextColumn(label), BarColumn(), MofNCompleteColumn(), console=console) as bar:
        task = bar.add_task(label, total=total)
        finished: set[Any] = set()

        def advance(item: Any) -> None:
            key = getattr(item, "id", id(item))
            if not getattr(item, "is_pending", False) and key not in finished:
                finished.add(key)
                bar.update(task, completed=len(finished))

        yield advance

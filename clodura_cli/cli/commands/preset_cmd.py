"""`clodura preset`: saved searches as YAML files."""

import contextlib
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from clodura_cli.api.errors import UsageError
from clodura_cli.base.encoding import write_os_text
from clodura_cli.base.text import one_line
from clodura_cli.cli import complete, options, report, terminal
from clodura_cli.store.formats import json_text

app = typer.Typer(
    help="Save, list, show, edit and delete search presets.\n\n"
    "Example:\n\n  clodura preset save cfos --seniority CXO --title cfo --funded-from -90d",
    no_args_is_help=True,
)

Name = Annotated[str, typer.Argument(
    help="Preset name.", autocompletion=complete.preset_names, metavar="NAME",
)]  # fmt: skip


def parse_search_flags(args: list[str], orgs: bool = False) -> tuple[dict[str, Any], bool]:
    """Filter values from `clodura search` (or, with ``orgs``, `clodura orgs`) flags, parsed by
    that command itself, and whether --dry-run was among them."""
    from typer.main import get_command

    from clodura_cli.api import spec
    from clodura_cli.cli.commands.orgs_cmd import orgs as orgs_command
    from clodura_cli.cli.commands.search_cmd import search

    single = typer.Typer()
    single.command()(orgs_command if orgs else search)
    command = get_command(single)
    ctx = command.make_context("clodura preset save NAME", list(args))
    table = spec.ORG_FIELDS if orgs else spec.SEARCH_FIELDS
    # What is not a filter is whatever search option is not in the filter table: never a list.
    filters = {f.param for f in table}
    ignored = [
        param.opts[0]
        for param in command.params
        if param.name not in filters
        and param.expose_value
        and ctx.params.get(str(param.name)) not in (None, False, [], (), param.default)
    ]
    dry_run = "--dry-run" in ignored
    ignored = [flag for flag in ignored if flag != "--dry-run"]
    if ignored:
        report.warn(f"a preset keeps only filters; ignored: {', '.join(ignored)}")
    return options.filter_values(table, ctx.params), dry_run


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def save(
    ctx: typer.Context,
    name: Name,
    description: Annotated[str | None, typer.Option(help="What the preset is for.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing preset.")] = False,
    orgs: Annotated[
        bool,
        typer.Option(
            "--orgs", help="Save organisation filters (the flags of `clodura orgs`), for its use."
        ),
    ] = False,
) -> None:
    """Save search flags as a preset (the same flags as `clodura search`).

    Examples:

      clodura preset save cfos-fintech --seniority CXO --title cfo --industry-keyword FinTech

      clodura preset save new-funding --funding-type "Series A" --funded-from -30d --force

      clodura preset save cfos --title cfo --dry-run   # prints the YAML, saves nothing
    """
    from clodura_cli.api import spec
    from clodura_cli.api.filters import build_search_body
    from clodura_cli.store import presets

    fields = spec.ORG_FIELDS_BY_API if orgs else spec.FIELDS_BY_API
    values, dry_run = parse_search_flags(ctx.args, orgs=orgs)
    request = build_search_body(values, fields=fields)
    if not request.as_given():
        raise UsageError("preset save: give at least one search filter, e.g. --seniority CEO")
    for notice in request.notices:
        report.info(notice)
    for warning in request.warnings:
        report.warn(warning)
    kind = presets.ORGANISATIONS if orgs else presets.PEOPLE
    if force and name in presets.names():
        with contextlib.suppress(UsageError):  # an unreadable old preset is simply replaced
            before = presets.load(name).kind
            if before != kind:
                report.warn(f"preset {name!r} was for `clodura {_FOR[before]}`; it is now for "
                            f"`clodura {_FOR[kind]}` (runs that use it must change)")  # fmt: skip
    if dry_run:  # the file it would write, and nothing saved
        write_os_text(presets.text_of(request.as_given(), description, kind))
        report.info(f"preset {name!r} not saved (--dry-run)")
        return
    path = presets.save(name, request.as_given(), description, force=force, kind=kind)
    report.info(f"preset {name!r} saved to {path}")


#: The command a preset of each kind is for.
_FOR = {"people": "search", "organisations": "orgs"}


@app.command(name="list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """List presets: name, the command that takes it (search or orgs), number of filters,
    description.

    Example:

      clodura preset list
    """
    from clodura_cli.store import presets

    rows = []
    for name in presets.names():
        try:
            loaded = presets.load(name)
            rows.append({"name": name, "for": _FOR[loaded.kind], "filters": len(loaded.fields),
                         "description": loaded.description})  # fmt: skip
        except UsageError as exc:
            rows.append({"name": name, "for": None, "filters": None,
                         "description": f"invalid: {exc.message}"})  # fmt: skip
    if as_json:
        sys.stdout.write(json_text(rows, indent=2) + "\n")
        return
    if not rows:
        report.info("No presets (save one with `clodura preset save NAME --seniority CEO ...`)")
    for row in rows:
        count = row["filters"]
        filters = "? filters" if count is None else f"{count} filter{'' if count == 1 else 's'}"
        # A description comes from a file anyone may have written: no escape reaches a terminal.
        used_by = row["for"] or "?"
        description = one_line(str(row["description"] or ""))
        write_os_text(f"{row['name']}\t{used_by}\t{filters}\t{description}\n")  # a file's name


@app.command()
def show(
    name: Name,
    resolve: Annotated[
        bool, typer.Option("--resolve", help="Print the request body a search would send.")
    ] = False,
    profile: options.Profile = None,
) -> None:
    """Print a preset's YAML, or with --resolve the request body it sends today.

    Examples:

      clodura preset show cfos-fintech

      clodura preset show cfos-fintech --resolve
    """
    from clodura_cli.api import spec
    from clodura_cli.api.filters import build_search_body
    from clodura_cli.store import presets

    loaded = presets.load(name)
    if not resolve:
        sys.stdout.write(loaded.path.read_text(encoding="utf-8"))
        return
    from clodura_cli.cli.session import ApiOptions

    fields = spec.ORG_FIELDS_BY_API if loaded.kind == presets.ORGANISATIONS else spec.FIELDS_BY_API
    request = build_search_body(loaded.fields, fields=fields)
    per_page = request.paging.per_page or ApiOptions(profile_name=profile).setting("per-page")
    resolved = {"page": request.paging.page or 1, "perPage": per_page, **request.body}
    sys.stdout.write(json_text(resolved, indent=2) + "\n")


@app.command()
def edit(name: Name) -> None:
    """Open a preset in $VISUAL or $EDITOR, then check it.

    Example:

      EDITOR=nano clodura preset edit cfos-fintech
    """
    from clodura_cli.store import presets

    path = presets.preset_path(name)
    if not path.exists():
        raise UsageError(f"no preset {name!r}; create it with `clodura preset save {name} ...`")
    editor = (os.environ.get("VISUAL") or "").strip() or (os.environ.get("EDITOR") or "").strip()
    if not editor:
        if not terminal.is_terminal("stdin"):
            raise UsageError("preset edit: set $VISUAL or $EDITOR (no terminal to open vi in)")
        editor = "vi"
    # The edit happens on a copy: the preset is replaced only by a version that loads.
    import shutil
    import tempfile

    from clodura_cli.store.files import write_private

    draft = Path(tempfile.mkdtemp(prefix="clodura-preset-")) / path.name
    shutil.copyfile(path, draft)
    _edit_until_valid(editor, draft, name)
    write_private(path, draft.read_text(encoding="utf-8"))
    shutil.rmtree(draft.parent, ignore_errors=True)
    report.info(f"preset {name!r} is valid")


def _edit_until_valid(editor: str, draft: Path, name: str) -> None:
    """Open the draft in the editor until it loads as a preset; an aborted edit is dropped, an
    invalid one the user gives up on is kept for them (the error says where)."""
    import shutil

    from clodura_cli.store import presets

    while True:
        try:
            done = subprocess.run([*shlex.split(editor), str(draft)], check=False)
        except (OSError, ValueError) as exc:  # no such program, not runnable, an open quote
            shutil.rmtree(draft.parent, ignore_errors=True)
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise UsageError(
                f"preset edit: cannot run the editor {editor!r} ({why}); set $VISUAL or $EDITOR "
                "to one that exists (EDITOR=nano); preset left as it was"
            ) from None
        if done.returncode != 0:
            shutil.rmtree(draft.parent, ignore_errors=True)  # an aborted edit keeps nothing
            raise UsageError(
                f"the editor exited with status {done.returncode}; preset left as it was"
            )
        try:
            presets.read_preset(draft)
            return
        except UsageError as exc:
            if not terminal.can_ask():
                raise UsageError(
                    f"{exc.message}; preset {name!r} left as it was (your edit is in {draft})"
                ) from None
            report.error(exc.message)
            if not terminal.confirm("Edit again?", default=True):
                raise UsageError(
                    f"preset {name!r} left as it was (your edit is in {draft})"
                ) from None


@app.command()
def delete(name: Name) -> None:
    """Delete a preset.

    Example:

      clodura preset delete cfos-fintech
    """
    from clodura_cli.store import presets

    path = presets.preset_path(name)
    if not path.exists():
        raise UsageError(f"no preset {name!r} (see `clodura preset list`)")
    path.unlink()
    report.info(f"preset {name!r} deleted")


@app.command()
def path() -> None:
    """Print the folder presets are kept in.

    Example:

      clodura preset path
    """
    from clodura_cli.store import presets

    write_os_text(f"{presets.presets_dir()}\n")

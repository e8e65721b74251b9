"""Options shared by several commands, defined once, and how they reach a command.

A command declares its own options as typer parameters, as usual. An option several commands
share is an ``Annotated`` alias here (``Format``, ``Output``...), used like any typer type. A
*group* of shared options that a command wants as one object is declared with ``inject``, which
adds the group's parameters to the command's signature (so typer shows them) and hands the
command one object built from their values::

    def with_api_options(function):          # below: --sandbox, --base-url, --verbose, --profile
        params = [("sandbox", Sandbox, False), ("base_url", BaseUrl, None), ...]
        return inject(function, "api", params, ApiOptions)

    @with_api_options
    def credits(fmt: Format = None, *, api: ApiOptions) -> None:
        ...                                  # typer sees --format and the four API options

The output options (``--format`` ... ``--layout``) are one more such group, ``OutputOptions``:
a command that only writes records takes them with ``with_output_options``; a group of its own
that includes them (``PaidOptions``, ``RevealOptions``, ``SearchOptions``) lists
``output_params()`` among its params and holds them as one ``out`` built by
``output_options``.

A table of request body fields (``spec.Field``: search's and orgs' filters, what `enrich
person` looks for) becomes a flag a field with ``with_filters``, handed over as one ``flags``
dict keyed by API name.

The object is built once, before the command runs; commands do not change it afterwards (they
make a changed copy, with dataclasses.replace or a named tuple's _replace, where a flag of their
own completes it).
"""

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from clodura_cli.api import spec
from clodura_cli.api.errors import UsageError
from clodura_cli.cli import complete
from clodura_cli.store.formats import FORMAT_NAMES, appendable, in_prose, names_text, with_header

if TYPE_CHECKING:
    from clodura_cli.output import OutputOptions

API_PANEL = "API"
OUTPUT_PANEL = "Output"
WEBHOOK_PANEL = "Webhook"


def finite(value: float | None) -> float | None:
    """A number option that is a number: nan and infinities are refused (they pass any range
    check and would turn a rate or a timeout into nonsense)."""
    import math

    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a finite number")
    return value


def _check_format(value: str | None) -> str | None:
    if value is None:
        return None
    lowered = value.lower()
    if lowered not in FORMAT_NAMES:
        import difflib

        close = difflib.get_close_matches(lowered, FORMAT_NAMES, n=1, cutoff=0.6)
        meant = f"did you mean {close[0]!r}? " if close else ""
        raise typer.BadParameter(f"{value!r} is not a format; {meant}use {names_text()}")
    return lowered


#: The formats --append adds to, as help texts name them.
APPENDABLE = in_prose(appendable())

# One option a few lines: the declarations read as a table (ruff would give each ten).
# fmt: off
Sandbox = Annotated[bool, typer.Option(
    "--sandbox", rich_help_panel=API_PANEL,
    help="Use the built-in emulator with synthetic data: no key, no credits "
         "(or CLODURA_SANDBOX=1).",
)]
BaseUrl = Annotated[str | None, typer.Option(
    "--base-url", rich_help_panel=API_PANEL,
    help="API base URL (or CLODURA_BASE_URL). Plain http only to loopback.",
)]
Verbose = Annotated[bool, typer.Option(
    "--verbose", "-v", rich_help_panel=API_PANEL,
    help="Log each request (method, path, status, time, retries) on stderr; "
         "the key is never shown.",
)]
Format = Annotated[str | None, typer.Option(
    "--format", "-f", callback=_check_format, autocompletion=complete.choices(FORMAT_NAMES),
    rich_help_panel=OUTPUT_PANEL,
    help=f"{names_text()}. Default: table on a terminal, jsonl in a pipe, "
         "or from the --output extension.",
)]


def _stdout_dash(value: str | None) -> str | None:
    """``-o -`` means stdout, as ``--input -`` means stdin."""
    return None if value == "-" else value


Output = Annotated[str | None, typer.Option(
    "--output", "-o", callback=_stdout_dash, metavar="FILE", rich_help_panel=OUTPUT_PANEL,
    help="Write to FILE atomically instead of stdout (format from the extension; - is stdout).",
)]
Fields = Annotated[str | None, typer.Option(
    "--fields", metavar="a,b,c", rich_help_panel=OUTPUT_PANEL,
    help="Comma-separated record fields to output, in order; 'all' for every field.",
)]
Concurrency = Annotated[int | None, typer.Option(
    "--concurrency", min=1, max=16, rich_help_panel="Paging",
    help="Requests in flight at once, 1-16 (default 4, or the concurrency setting).",
)]
Rate = Annotated[float | None, typer.Option(
    "--rate", min=0.1, max=1000, metavar="N", callback=finite, rich_help_panel="Paging",
    help="At most N requests per second (or the rate setting); 429s lower it further.",
)]
Limit = Annotated[int | None, typer.Option(
    "--limit", rich_help_panel="Paging",
    help="Fetch exactly up to N records across pages.",
)]
AllPages = Annotated[bool, typer.Option(
    "--all", rich_help_panel="Paging",
    help="Fetch every page until the results end (the API stops at its last page: 100 for "
         "people, 500 for organisations).",
)]
Presets = Annotated[list[str] | None, typer.Option(
    "--preset", rich_help_panel="Presets", autocompletion=complete.people_preset_names,
    help="Saved preset to start from (repeatable; later ones override earlier ones).",
)]
OrgPresets = Annotated[list[str] | None, typer.Option(
    "--preset", rich_help_panel="Presets", autocompletion=complete.org_preset_names,
    help="Saved preset to start from (repeatable; later ones override earlier ones).",
)]
Profile = Annotated[str | None, typer.Option(
    "--profile", autocompletion=complete.profile_names, rich_help_panel=API_PANEL,
    help="Profile whose key and settings to use (or CLODURA_PROFILE; default: default).",
)]
RawCsv = Annotated[bool, typer.Option(
    "--raw-csv", rich_help_panel=OUTPUT_PANEL,
    help=f"Write {in_prose(with_header())} cells exactly as received: no ' before cells a "
         "spreadsheet would run as a formula (=, +, -, @).",
)]
Bom = Annotated[bool, typer.Option(
    "--bom", rich_help_panel=OUTPUT_PANEL,
    help=f"Start a new {in_prose(with_header())} with a UTF-8 byte-order mark, so that Excel "
         "reads José, not JosÃ© (or the csv-bom setting).",
)]
SearchMaxCredits = Annotated[float | None, typer.Option(
    "--max-credits", min=0, metavar="N", rich_help_panel="Paging",
    callback=finite,
    help="Search records cost a credit each: exit 4 before sending when the run plans more "
         "than N records; --all stops at N records (and exits 0).",
)]
CrmLayout = Annotated[str | None, typer.Option(
    "--layout", metavar="NAME|FILE", rich_help_panel=OUTPUT_PANEL,
    autocompletion=complete.layout_names,
    help="Columns as a CRM's import expects them: hubspot, salesforce, pipedrive, your own "
         "(layouts/NAME.yaml in the config directory) or a PATH.yaml. --fields still takes the "
         "original field names.",
)]
Listen = Annotated[bool, typer.Option(
    "--listen", rich_help_panel=WEBHOOK_PANEL,
    help="Receive queued answers by webhook in this process (sends the receiver's own URL to the "
         "sandbox or a loopback API; else give a tunnel's URL with --webhook-url).",
)]
ListenPort = Annotated[int, typer.Option(
    "--listen-port", min=0, max=65535, rich_help_panel=WEBHOOK_PANEL,
    help="Port of the --listen receiver (0 picks a free one).",
)]
ListenHost = Annotated[str, typer.Option(
    "--listen-host", rich_help_panel=WEBHOOK_PANEL, help="Address of the --listen receiver.",
)]
ListenPath = Annotated[str, typer.Option(
    "--listen-path", rich_help_panel=WEBHOOK_PANEL, help="Path of the --listen receiver.",
)]
Suppress = Annotated[list[str] | None, typer.Option(
    "--suppress", metavar="FILE",
    help="A suppression list: emails, domains, LinkedIn URLs or person ids, one a line, or a "
         "CSV/JSON Lines export with such columns. Matching people are dropped (reveals, "
         "verifications, enrichments: never sent). Repeatable.",
)]
DryRun = Annotated[bool, typer.Option(
    "--dry-run", rich_help_panel=API_PANEL,
    help="Print the request that would be sent as JSON and exit; needs no key, sends nothing.",
)]
Append = Annotated[bool, typer.Option(
    "--append", rich_help_panel=OUTPUT_PANEL,
    help=f"Add to the --output file ({APPENDABLE}) under its header.",
)]
Wide = Annotated[bool, typer.Option(
    "--wide", rich_help_panel=OUTPUT_PANEL,
    help="In a table, show every column uncut (a terminal shows what fits its width).",
)]
# fmt: on


F = TypeVar("F", bound=Callable[..., Any])


def inject(
    function: F,
    name: str,
    params: list[tuple[str, Any, Any]],
    build: Callable[..., Any],
    *,
    first: bool = False,
) -> F:
    """Declare ``params`` (name, Annotated type, default) on a command once, here, and hand
    the command one object built from them: typer sees the options, the command sees
    ``name=build(**values)`` (it declares ``*, name: ...``). With ``first``, they come before
    the command's own options in its help."""
    signature = inspect.signature(function, eval_str=True)  # annotations as objects
    keyword = inspect.Parameter.KEYWORD_ONLY  # typer passes every value by name
    own = [p.replace(kind=keyword) for p in signature.parameters.values() if p.name != name]
    added = [
        inspect.Parameter(param, keyword, default=default, annotation=kind)
        for param, kind, default in params
    ]

    @functools.wraps(function)
    def command(*args: Any, **kwargs: Any) -> Any:
        kwargs[name] = build(**{param: kwargs.pop(param) for param, _, _ in params})
        return function(*args, **kwargs)

    ordered = [*added, *own] if first else [*own, *added]
    command.__signature__ = signature.replace(parameters=ordered)  # type: ignore[attr-defined]
    hints = {k: v for k, v in getattr(function, "__annotations__", {}).items() if k != name}
    command.__annotations__ = {**hints, **{p.name: p.annotation for p in added}}
    return command  # type: ignore[return-value]


def _api_options(**values: Any) -> Any:
    from clodura_cli.cli.session import ApiOptions

    profile = values.pop("profile")
    return ApiOptions(**values, profile_name=profile)


def with_api_options(function: F) -> F:
    """--sandbox, --base-url, --verbose and --profile, handed to the command as one
    ``api: ApiOptions``."""
    params = [("sandbox", Sandbox, False), ("base_url", BaseUrl, None),
              ("verbose", Verbose, False), ("profile", Profile, None)]  # fmt: skip
    return inject(function, "api", params, _api_options)


def output_params(append: Any = None) -> list[tuple[str, Any, Any]]:
    """--format, --output, --fields, --raw-csv, --bom and --layout, in their order in a
    command's help; a paid command's own --append (``append``) comes after --fields."""
    params = [("fmt", Format, None), ("output", Output, None), ("fields", Fields, None),
              ("raw_csv", RawCsv, False), ("bom", Bom, False),
              ("layout", CrmLayout, None)]  # fmt: skip
    if append is not None:
        params.insert(3, ("append", append, False))
    return params


def output_options(values: dict[str, Any]) -> "OutputOptions":
    """The output options' values, taken out of a group's ``values``, as one object."""
    from clodura_cli.output import OutputOptions

    names = OutputOptions._fields
    return OutputOptions(**{name: values.pop(name) for name in names if name in values})


def with_output_options(function: F) -> F:
    """The output options, handed to the command as one ``out: OutputOptions``."""
    return inject(function, "out", output_params(), lambda **values: output_options(values))


def filter_option(fld: spec.Field) -> Any:
    """The typer option for a filter, from its entry in the spec."""
    help_text = fld.help
    if fld.choices:
        help_text += f" One of: {', '.join(fld.choices)}."
    if fld.values:
        help_text += f" Known values: clodura values {fld.name}; others are sent with a warning."
    if fld.kind is spec.Kind.ARRAY:
        help_text += " Repeatable."
    completer = None
    if fld.choices:
        completer = complete.choices(fld.choices)
    elif fld.values:
        completer = complete.known_values(fld.values)
    return typer.Option(
        fld.flag,
        help=help_text,
        rich_help_panel=fld.panel,
        metavar="DATE" if fld.kind is spec.Kind.DATE else None,
        autocompletion=completer,
    )


#: The Python type of a filter's flag, by the kind of its field (None: not given). A text
#: field's flag is read as a list too, only to refuse it given twice: `orgs --domain a --domain
#: b` searched b alone, while `search --domain` takes several.
FLAG_TYPES: dict[spec.Kind, Any] = {
    spec.Kind.STRING: list[str] | None,
    spec.Kind.DATE: list[str] | None,
    spec.Kind.ARRAY: list[str] | None,
    spec.Kind.BOOL: bool | None,
    spec.Kind.INT: int | None,
}
_ONE_VALUE = (spec.Kind.STRING, spec.Kind.DATE)


def filter_values(table: tuple[spec.Field, ...], values: dict[str, Any]) -> dict[str, Any]:
    """The values of a table's flags as parsed (by parameter name), keyed by API field name:
    a text field's one value, a usage error for two."""
    return {
        fld.api: _one(fld, values[fld.param]) if fld.kind in _ONE_VALUE else values[fld.param]
        for fld in table
    }


def _one(fld: spec.Field, values: list[str] | None) -> str | None:
    """The one value of a text field's flag; a usage error for two different ones."""
    if not values:
        return None
    if len(set(values)) > 1:
        raise UsageError(
            f"{fld.flag}: given {len(values)} times ({', '.join(map(repr, values))}), but it "
            "takes one value: give it once"
        )
    return values[-1]


def with_filters(table: tuple[spec.Field, ...]) -> Callable[[F], F]:
    """A flag for every field of an endpoint's table (its filters, or what identifies the
    record to enrich), declared from the table itself, first in the command's help, handed to
    the command as ``flags``: the values keyed by API field name."""
    params = [
        (fld.param, Annotated[FLAG_TYPES[fld.kind], filter_option(fld)], None) for fld in table
    ]

    def build(**values: Any) -> dict[str, Any]:
        return filter_values(table, values)

    def decorate(function: F) -> F:
        injected = inject(function, "flags", params, build, first=True)
        # Read as lists but not repeatable: what the completion scripts must know (typer's
        # wrapper of the command carries the attribute along).
        injected.one_value = frozenset(f.param for f in table if f.kind in _ONE_VALUE)  # type: ignore[attr-defined]
        return injected

    return decorate

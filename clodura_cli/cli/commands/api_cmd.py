"""`clodura api`: any endpoint, the way `gh api` works, with the key, retries and ledger of
every other command."""

import json
import math
import re
import sys
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl

import typer

from clodura_cli.api import spec
from clodura_cli.api.errors import CloduraError, UsageError
from clodura_cli.api.transport import Reply
from clodura_cli.api.urls import api_path, check_webhook_url
from clodura_cli.base.text import has_controls, pattern, quoted
from clodura_cli.cli import options, report, terminal
from clodura_cli.cli.session import ApiOptions
from clodura_cli.store import config
from clodura_cli.store.formats import json_text

EXAMPLES = (
    "Examples:\n\n"
    "  clodura api credits\n\n"
    "  clodura api search/people -F page=1 -F perPage=5 -f 'seniority[]=CEO'\n\n"
    "  clodura api organisation/search -f domain=acme.com --paginate | jq .organisationName\n\n"
    "  clodura api search/people/email/match -f personId=123 -f webhookUrl=https://h.example/x\n\n"
    "  clodura api search/people/track/TRACKING_ID -i\n\n"
)
_FIELD_RE = pattern(r"^(?P<key>[A-Za-z0-9_.-]+)(?P<array>\[\])?=(?P<value>.*)\Z", re.DOTALL)
_NUMBER_RE = pattern(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?\Z")
#: Paths whose POST spends credits on a reveal: they go through the ledger.
_REVEALS = {"email/match": "email", "phone/match": "phone"}
_PAGED = {spec.SEARCH_PEOPLE_PATH, spec.ORG_SEARCH_PATH}
#: Headers that -H may not set: the key, and what the HTTP stack must decide itself.
_RESERVED_HEADERS = ("x-api-key", "content-length", "host", "transfer-encoding", "connection")


def _typed(value: str, key: str) -> Any:
    """A -F value: true, false, null and numbers as JSON; @file reads a file; else text."""
    if value in ("true", "false", "null"):
        return json.loads(value)
    if _NUMBER_RE.match(value):
        number = json.loads(value)
        if isinstance(number, float) and not math.isfinite(number):
            raise UsageError(f"-F {key}: {value} is too large to send as a number")
        return number
    if value.startswith("@"):
        name = value[1:]
        try:
            data = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"-F {key}: cannot read {name!r}: {exc.strerror}") from None
        return data.rstrip("\n")
    return value


def build_body(raw_fields: list[str], typed_fields: list[str]) -> dict[str, Any] | None:
    """The JSON body from -f (text) and -F (typed) fields; ``key[]=v`` builds arrays."""
    body: dict[str, Any] = {}
    given = [(item, False) for item in raw_fields] + [(item, True) for item in typed_fields]
    for item, typed in given:
        match = _FIELD_RE.match(item)
        flag = "-F" if typed else "-f"
        if match is None:
            raise UsageError(f"{flag} {item!r}: give key=value (key[]=value adds to an array)")
        key, value = match["key"], match["value"]
        parsed = _typed(value, key) if typed else value
        if match["array"]:
            existing = body.setdefault(key, [])
            if not isinstance(existing, list):
                raise UsageError(f"{flag} {key}[]: {key} is already set to a single value")
            existing.append(parsed)
        else:
            body[key] = parsed
    return body or None


def _headers(given: list[str]) -> dict[str, str]:
    headers = {}
    for item in given:
        name, sep, value = item.partition(":")
        name = name.strip()
        if not sep or not name or any(ch.isspace() for ch in name):
            raise UsageError(f"-H {quoted(item)}: give 'Name: value'")
        if has_controls(item):
            raise UsageError(
                f"-H {quoted(item)}: a header cannot hold a line break or a control character"
            )
        if name.lower() == "x-api-key":
            raise UsageError("-H X-API-KEY: the key comes from your profile; it is never replaced")
        if name.lower() in _RESERVED_HEADERS:
            raise UsageError(f"-H {name}: set by the HTTP stack itself; it cannot be given")
        headers[name] = value.strip()
    return headers


def _check_webhook(body: Any) -> None:
    """A webhook URL in a body gets the checks `reveal` makes: it receives personal data."""
    if isinstance(body, dict) and "webhookUrl" in body:
        url = body["webhookUrl"]
        if not isinstance(url, str):
            raise UsageError("webhookUrl: give the URL as text")
        check_webhook_url(url)


def _read_input(name: str) -> Any:
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--input: cannot read {name!r}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"--input: not valid JSON ({exc})") from None


# One option a few lines, as in options.py.
# fmt: off
EndpointPath = Annotated[str, typer.Argument(
    help="/api/v1/... or a path relative to it.", metavar="PATH",
)]
Method = Annotated[str | None, typer.Option(
    "--method", "-X", help="HTTP method (default GET, or POST with a body).",
)]
RawFields = Annotated[list[str] | None, typer.Option(
    "--raw-field", "-f", metavar="KEY=VALUE",
    help="key=value added to the JSON body as text (key[]=v: array).",
)]
JsonFields = Annotated[list[str] | None, typer.Option(
    "--field", "-F", metavar="KEY=VALUE",
    help="key=value as JSON: true, false, null, numbers; @file reads a file.",
)]
InputBody = Annotated[str | None, typer.Option(
    "--input", metavar="FILE",
    help="A JSON body from FILE (- for stdin), sent as is.",
)]
Headers = Annotated[list[str] | None, typer.Option(
    "--header", "-H",
    help="'Name: value' added to the request (never the key).",
)]
Include = Annotated[bool, typer.Option(
    "--include", "-i", help="Print the status line and headers on stderr.",
)]
Paginate = Annotated[bool, typer.Option(
    "--paginate", help="Follow page for the two search endpoints; print JSON Lines.",
)]
# fmt: on


@options.with_api_options
def api(
    path: EndpointPath,
    method: Method = None,
    raw_field: RawFields = None,
    field: JsonFields = None,
    input_file: InputBody = None,
    header: Headers = None,
    include: Include = False,
    paginate: Paginate = False,
    dry_run: options.DryRun = False,
    *,
    api: ApiOptions,
) -> None:
    """Call any API endpoint with your key, retries and exit codes, the way `gh api` does.

    A POST to a reveal endpoint goes through the ledger like `clodura reveal`: a person
    revealed before is answered from it, never paid for twice.
    """  # fmt: skip
    given = api_path(path)
    target = given.path
    if input_file is not None and (raw_field or field):
        raise UsageError("--input and -f/-F: give the body one way")
    body = _read_input(input_file) if input_file is not None else build_body(
        raw_field or [], field or []
    )  # fmt: skip
    verb = (method or ("POST" if body is not None else "GET")).upper()
    if verb not in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"):
        raise UsageError(f"-X: {method!r} is not an HTTP method")
    extra = _headers(header or [])
    _check_webhook(body)
    paged = next((p for p in _PAGED if given.canonical == p.lower()), None)
    if paginate and (paged is None or verb != "POST"):
        raise UsageError("--paginate: only for POST search/people and organisation/search")
    reveal = next((kind for tail, kind in _REVEALS.items() if given.ends_with(tail)), None)
    from clodura_cli.vendor import BY_PATH

    bought = next((e for path, e in BY_PATH.items() if given.canonical == path.lower()), None)
    if dry_run:
        from clodura_cli.api.urls import DEFAULT_BASE_URL

        root = DEFAULT_BASE_URL if api.use_sandbox else api.resolved_base_url()
        query = f"?{given.query}" if given.query else ""
        preview = {"method": verb, "url": root + target + query, "body": body}
        sys.stdout.write(json_text(preview, indent=2) + "\n")
    elif verb == "POST" and reveal is not None:
        _reveal_through_the_ledger(reveal, body, api)
    elif verb == "POST" and bought is not None:
        _paid_through_the_ledger(bought, body, api)
    elif paginate and paged is not None:
        _paginate(paged, body or {}, api)
    else:
        params = parse_qsl(given.query, keep_blank_values=True) if given.query else None
        _call(verb, target, body, extra, include, api, params)


def _call(
    verb: str,
    target: str,
    body: Any,
    headers: dict[str, str],
    include: bool,
    api: ApiOptions,
    params: list[tuple[str, str]] | None = None,
) -> None:
    """One request through the client's retry loop; the answer shown whatever its status."""
    from clodura_cli.cli.session import open_client

    received: list[Reply] = []
    with open_client(api) as client:
        try:
            reply = client.request(
                verb, target, json=body, idempotent=verb in ("GET", "HEAD"),
                received=received, headers=headers, raw=True, params=params,
            )  # fmt: skip
        except CloduraError:
            if received:  # an error's answer is shown as a success's is, headers too
                if include:
                    _head(received[-1])
                _show(received[-1].content)
            raise
    if include:
        _head(reply)
    _show(reply.content)


def _head(reply: Reply) -> None:
    """-i: the status line and headers, on stderr."""
    report.say(f"HTTP {reply.status_code}")
    for name, value in reply.headers.items():
        report.say(f"{name}: {value}")


def _show(content: bytes) -> None:
    """The body: pretty and coloured on a terminal, as received in a pipe."""
    if not terminal.is_terminal("stdout"):
        if hasattr(sys.stdout, "buffer"):
            sys.stdout.buffer.write(content)
        else:  # a text-only stand-in stream
            sys.stdout.write(content.decode("utf-8", errors="replace"))
        sys.stdout.flush()
        return
    from clodura_cli.api.parsing import loads_or_none

    payload = loads_or_none(content)
    if payload is None and content.strip() != b"null":
        from clodura_cli.base.text import printable

        sys.stdout.write(printable(content.decode("utf-8", errors="replace")) + "\n")
        return
    import os

    from rich.console import Console
    from rich.highlighter import JSONHighlighter
    from rich.text import Text

    # Our own JSON text (controls and bidi overrides escaped), coloured by rich's highlighter:
    # rich's JSON renderable would decode the escapes and print them raw.
    console = Console(no_color="NO_COLOR" in os.environ, highlight=False)
    console.print(JSONHighlighter()(Text(json_text(payload, indent=2))), soft_wrap=True)


def _paginate(target: str, body: dict[str, Any], api_options: ApiOptions) -> None:
    """Every page of a search, as JSON Lines, through the search machinery."""
    from clodura_cli.api.endpoints import ORGANISATIONS, PEOPLE
    from clodura_cli.api.filters import PAGING_FIELDS
    from clodura_cli.cli.session import open_client
    from clodura_cli.search import iterate_records, plan_search
    from clodura_cli.store.formats import write_records

    endpoint = PEOPLE if target == spec.SEARCH_PEOPLE_PATH else ORGANISATIONS
    page, per_page = body.get("page", 1), body.get("perPage", spec.MAX_PER_PAGE)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (page, per_page)):
        raise UsageError("--paginate: page and perPage must be numbers (use -F page=1)")
    filters = {k: v for k, v in body.items() if k not in PAGING_FIELDS}
    plan = plan_search(filters, page=page, per_page=per_page, fetch_all=True, endpoint=endpoint)
    with open_client(api_options) as client:
        write_records(iterate_records(client, plan, concurrency=1), "jsonl", sys.stdout)


def _reveal_through_the_ledger(kind: str, body: Any, api_options: ApiOptions) -> None:
    """A reveal POSTed through `api` is claimed in the ledger first, like any reveal."""
    from clodura_cli.api.errors import ValidationError
    from clodura_cli.cli.session import open_connection
    from clodura_cli.inputs import Target, identifiers_for
    from clodura_cli.reveal import Revealer, output_row
    from clodura_cli.store.ledger import Ledger, identity_of

    if not isinstance(body, dict):
        raise UsageError("api: a reveal needs a JSON object body (-f personId=...)")
    try:
        identifiers = identifiers_for(body, kind)
    except ValidationError as exc:
        raise UsageError(f"api: the reveal body {exc.message.removeprefix('row: ')}") from None
    extra = sorted(set(body) - set(identifiers) - {"webhookUrl", "revealPhoneNumberViaPartners"})
    if extra:
        report.warn(f"api: a reveal sends only its identifiers and options; ignored: {extra}")
    partners = body.get("revealPhoneNumberViaPartners") is True
    target = Target(identifiers, dict(identifiers), identity_of(identifiers))
    connection = open_connection(api_options)
    ledger = Ledger(config.ledger_file())
    with connection.client:
        revealer = Revealer(
            connection.client, ledger, connection.account, kind,
            webhook_url=body.get("webhookUrl"), partners=partners, concurrency=1,
        )  # fmt: skip
        run = revealer.submit([target])
    entry = run.entries[0]
    if run.fatal is not None:
        raise run.fatal
    if entry.source == "submitted":
        _submitted(entry.job, ledger)
        return
    report.info(
        "answered from the ledger: this person was revealed (or is being revealed) already; "
        "nothing was sent (`clodura reveal --refresh` reveals again)"
    )
    sys.stdout.write(json_text(output_row(entry)) + "\n")


def _paid_through_the_ledger(endpoint: Any, body: Any, api_options: ApiOptions) -> None:
    """A verification, enrichment or news request POSTed through `api` is claimed in the
    ledger first, as its command would: asked before, it is answered from there."""
    from clodura_cli import paid
    from clodura_cli.api.errors import RejectedRevealsError, UnconfirmedRevealsError
    from clodura_cli.cli.session import open_connection
    from clodura_cli.store.ledger import Ledger
    from clodura_cli.vendor import purchase_for_body

    if not isinstance(body, dict):
        raise UsageError(f"api: {endpoint.path} needs a JSON object body (-f name=value)")
    connection = open_connection(api_options)
    items = Ledger(config.ledger_file()).items()
    with connection.client:
        basket = paid.buy(connection.client, items, connection.account, endpoint,
                          [purchase_for_body(endpoint, body)], concurrency=1)  # fmt: skip
    if basket.fatal is not None:
        raise basket.fatal
    (bought,) = basket.bought
    item = bought.item
    if bought.source != "sent":
        report.info(
            f"answered from the ledger ({item.status}): this was asked already; nothing was sent "
            "(the command's --refresh asks again)"
        )
    if item.answer:
        _show(item.answer)
    if item.status in ("unknown", "not_sent", "unread"):
        raise UnconfirmedRevealsError(
            f"{endpoint.name}: {item.message or item.status}; kept in the ledger as {item.status}"
        )
    if item.status == "rejected":
        raise RejectedRevealsError(f"the API refused it ({item.message}); nothing charged")


def _submitted(job: Any, ledger: Any) -> None:
    """What a reveal sent through `api` came to: its answer as received, and the exit a
    `clodura reveal` would give (a lost answer may have been charged: never "nothing sent")."""
    from clodura_cli.api.errors import RejectedRevealsError, UnconfirmedRevealsError

    answers = [a for a in ledger.answers(job.id) if a.call == "submit"]
    if answers and answers[-1].body:
        _show(answers[-1].body)
    if job.status == "unknown":
        raise UnconfirmedRevealsError(
            f"the reveal's answer was lost ({job.message}); it may have reached the API and been "
            "charged: recorded as unknown in the ledger and not resubmitted "
            "(see `clodura track --pending`)"
        )
    if job.status == "not_sent":
        raise UnconfirmedRevealsError(f"the reveal was not sent ({job.message})")
    if job.status == "rejected":
        raise RejectedRevealsError(f"the API refused the reveal ({job.message}); nothing charged")

"""The sequence every paid command shares (verify, enrich person, enrich org, news): read the
inputs, price them, dry run or guard, buy through the ledger, write the rows, say what it cost."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer

from clodura_cli import paid
from clodura_cli.api.errors import (
    CreditGuardError,
    MissingKeyError,
    RejectedRevealsError,
    UnconfirmedRevealsError,
    UsageError,
)
from clodura_cli.base.text import column_key
from clodura_cli.cli import options, report, terminal
from clodura_cli.cli.progress import count_progress
from clodura_cli.cli.render import layout_columns, output_for, report_written, write_output
from clodura_cli.cli.session import ApiOptions, open_connection
from clodura_cli.inputs import Parsed, parse_rows, plain_value, read_input
from clodura_cli.output import OutputOptions, chosen_columns
from clodura_cli.paid import Bought, PaidEndpoint, Purchase
from clodura_cli.store import config
from clodura_cli.store.cells import kept_beside
from clodura_cli.store.formats import json_text
from clodura_cli.store.items import PaidItems
from clodura_cli.store.ledger import Ledger

#: Above this worst case, a run on a terminal asks first (as reveal does).
CONFIRM_ABOVE = 50.0

# One option a few lines, as in options.py.
# fmt: off
InputFile = Annotated[str | None, typer.Option(
    "--input", "-i", metavar="FILE",
    help="Rows to process: CSV with a header, JSON Lines, a JSON array, or one value a line "
         "(- for stdin); columns are recognised by name, ignoring case and punctuation.",
)]
Refresh = Annotated[bool, typer.Option(
    "--refresh", help="Ask the API again even when the ledger has the answer (may be charged).",
)]
MaxAge = Annotated[float | None, typer.Option(
    "--max-age", metavar="DAYS", min=0, callback=options.finite,
    help="Treat answers in the ledger older than DAYS as stale and ask again.",
)]
MaxCredits = Annotated[float | None, typer.Option(
    "--max-credits", min=0, metavar="N", callback=options.finite,
    help="Exit 4 before sending anything when the worst case is above N (decimals allowed).",
)]
Yes = Annotated[bool, typer.Option(
    "--yes", "-y", help="Do not ask before a run whose worst case is above 50 credits.",
)]
# fmt: on


@dataclass(frozen=True)
class PaidOptions:
    """The options every paid command has."""

    input_file: str | None = None
    refresh: bool = False
    max_age: float | None = None
    max_credits: float | None = None
    dry_run: bool = False
    yes: bool = False
    concurrency: int | None = None
    rate: float | None = None
    out: OutputOptions = field(default_factory=OutputOptions)


@dataclass(frozen=True)
class MorePages:
    """What --all buys after the first answers: ``next`` names the next purchases from those
    bought (none: the results ended), and ``most`` is how many purchases the run may make in
    all (the API's window): the worst case of a dry run."""

    next: Callable[[list[Bought]], list[Purchase]]
    most: int
    #: For a dry run, when the ledger's answers tell how many pages there are: the later
    #: pages known to exist (those it holds cost nothing), and how many more may (None: the
    #: ledger knows nothing, ``most`` holds).
    known: list[Purchase] = field(default_factory=list)
    unknown: int | None = None


def with_paid_options(function: Any) -> Any:
    """--input, --refresh, --max-age, --max-credits, --dry-run, --yes, concurrency and output
    options, handed to the command as one ``paid_opts: PaidOptions``; then the API options
    (``api: ApiOptions``), which every paid command takes."""
    params = [
        ("input_file", InputFile, None),
        ("refresh", Refresh, False), ("max_age", MaxAge, None), ("max_credits", MaxCredits, None),
        ("dry_run", options.DryRun, False), ("yes", Yes, False),
        ("concurrency", options.Concurrency, None), ("rate", options.Rate, None),
        *options.output_params(append=options.Append),
    ]  # fmt: skip

    def build(**values: Any) -> PaidOptions:
        out = options.output_options(values)
        return PaidOptions(**values, out=out)

    return options.with_api_options(options.inject(function, "paid_opts", params, build))


def read_records(
    input_file: str | None, values: list[str], field: str, columns: tuple[str, ...] = ()
) -> Parsed:
    """(label, record) for each value given on the command line and each row of --input (a
    CSV's header is recognised by naming ``field`` or one of ``columns``, in any spelling),
    and the header of such a CSV; its problems are reported here."""
    rows: list[tuple[str, Any]] = [(f"argument {i}", {field: v}) for i, v in enumerate(values, 1)]
    if input_file is None:
        return Parsed(rows, [])
    if input_file == "-" and terminal.is_terminal("stdin"):
        raise UsageError("--input -: standard input is a terminal; pipe the rows in")
    known = {column_key(name) for name in (field, *columns)}
    text = read_input(input_file, sys.stdin).text
    headed: list[bool] = []

    def is_header(cells: list[str]) -> bool:
        headed.append(bool(known & set(map(column_key, cells))))
        if not headed[-1] and len(cells) > 1 and all(cells):
            # A table's header naming none of the columns this command reads (a people file
            # given to verify): its rows are no values, and each would be refused.
            shown = ", ".join(cells[:8]) + (", ..." if len(cells) > 8 else "")
            raise UsageError(
                f"--input: the table has no {field} column (its columns: {shown}); add one, "
                f"or give one {field} a line"
            )
        return headed[-1]

    parsed, problems, header = parse_rows(text, is_header)
    if input_file == "-" and not values and not parsed and not problems:
        from clodura_cli.cli.commands.reveal_flow import nothing_piped

        nothing_piped()
    if not parsed and not problems and not values:  # a file given, nothing in it: said
        raise UsageError(f"--input {input_file}: no records in it (empty, or a header alone); "
                         "nothing sent")  # fmt: skip
    for problem in problems:
        report.warn(f"--input {problem}")
    # One plain value a line is the command's own kind of value; a row of a CSV with a header
    # or a JSON record is what its columns say (`111,` under `personId,email` is no email).
    plain = not any(headed) and not text.lstrip().startswith(("[", "{"))
    if plain and len(parsed) > 1 and _heading(parsed):
        label, record = parsed.pop(0)  # a one-column file's name (`email`), never a value sent
        report.warn(f"--input {label}: {plain_value(record)!r} reads as a column's name, not a "
                    "value; skipped")  # fmt: skip
    for label, record in parsed:
        value = plain_value(record) if plain else None
        rows.append((label, record if value is None else {field: value}))
    return Parsed(rows, [], header)


def shown_row(label: str) -> str:
    """An input row as a message names it: `--input line 3`, `argument 2`, `ORG_ID`."""
    return f"--input {label}" if label.startswith("line ") else label


def warn_one_organisation_twice(rows: list[tuple[str, Any]], price: str) -> None:
    """Warn of a row naming by its company page an organisation another row names by id: both
    are sent and each paid for (the page and the id are not known to be one before an answer
    says so)."""
    from clodura_cli.vendor import org_of

    by_id: dict[str, str] = {}  # the company page of a row asked by id: the row
    by_page: dict[str, str] = {}  # the page of a row asked by it: the row
    ids = ("organisationid", "orgid")
    for label, record in rows:
        where = shown_row(label)
        try:
            sent = org_of(record, where)
            body = org_of({k: v for k, v in record.items() if column_key(str(k)) not in ids}, where)
        except UsageError:
            continue
        (by_id if "organisationId" in sent else by_page).setdefault(body["orgLinkedinUrl"], where)
    for url, where in by_page.items():
        if url in by_id:
            report.warn(f"{where} names by its page ({url}) the organisation {by_id[url]} "
                        f"names by id: both are asked for, each paid for ({price}); if they are "
                        "one, drop one of the rows")  # fmt: skip


def _heading(parsed: list[tuple[str, Any]]) -> bool:
    """A first line that is no id, address or URL, above lines that are: a column's name."""
    from clodura_cli.inputs import identifies

    def shaped(value: str | None) -> bool:
        text = (value or "").strip()
        return identifies(text) or "://" in text

    values = [plain_value(record) for _, record in parsed]
    return not shaped(values[0]) and any(shaped(value) for value in values[1:])


@dataclass
class Batch:
    """What to buy, and every input row in order with its purchase (or why it has none), so
    that each row comes back in the output, the skipped and the repeated ones too."""

    purchases: list[Purchase]
    rows: list[tuple[dict[str, Any], Purchase | None, str | None]]
    #: The --input table's header: the output's first columns, in its order.
    columns: tuple[str, ...] = ()


def purchases_of(
    rows: Iterable[tuple[str, Any]],
    make: Callable[[str, dict[str, Any]], Purchase],
    columns: tuple[str, ...] = (),
) -> Batch:
    """The purchases of the rows; a row that cannot be bought is reported and skipped (exit 2
    when none is left); the same item twice is bought once."""
    purchases: dict[str, Purchase] = {}
    layout: list[tuple[dict[str, Any], Purchase | None, str | None]] = []
    duplicates = 0
    rows = list(rows)
    if not rows:
        raise UsageError("nothing to send: give values as arguments or flags, or --input FILE")
    for label, record in rows:
        try:
            purchase = make(label, record)
        except UsageError as exc:
            said = exc.message.removeprefix(f"{label}: ")  # named once, as the row
            report.warn(f"{shown_row(label)}: {said}; skipped")
            layout.append((record, None, exc.message))
            continue
        layout.append((record, purchase, None))
        if purchase.key in purchases:
            duplicates += 1
            continue
        purchases[purchase.key] = purchase
    if duplicates:
        report.info(f"{duplicates} duplicate input(s) processed once")
    if not purchases:
        raise UsageError("nothing to send: every input was refused (see above)")
    return Batch(list(purchases.values()), layout, columns)


def _suppressed(
    wanted: list[Purchase], batch: Batch | None, files: list[str], noun: str
) -> dict[str, str]:
    """The items a --suppress list names in any input row asking for them (not only the
    first: a duplicate row may hold the listed email or domain), as ``unsent`` keys."""
    from clodura_cli.cli.commands.reveal_flow import suppressed

    # Each row's own columns, with what its item sends (the address, the URL, as sent).
    asked = [(p.key, {**p.record, **p.body}) for p in wanted] if batch is None else [
        (p.key, {**p.record, **record, **p.body}) for record, p, _ in batch.rows if p is not None
    ]  # fmt: skip
    dropped = dict.fromkeys(suppressed(asked, files, f"{noun}s"), "suppressed")
    if len(dropped) == len({p.key for p in wanted}):
        raise UsageError("nothing to send: every input is on the suppression list")
    return dropped


def _row_by_row(
    batch: Batch,
    bought: list[Bought],
    rows_of: Callable[[Bought], list[dict[str, Any]]],
    unsent: dict[str, str],
    results: Sequence[str],
) -> list[dict[str, Any]]:
    """Every input row in order: with what its item came to, or why it was not sent
    (``unsent``: key -> suppressed or not_sent). An input column of the same name as one of
    the ``results`` (a CRM's status, an earlier step's credits) is kept beside it."""
    by_key = {b.purchase.key: b for b in bought}
    out: list[dict[str, Any]] = []
    written_here = {"status", "credits", "message"} <= set(batch.columns)
    for record, purchase, problem in batch.rows:
        found = by_key.get(purchase.key) if purchase is not None else None
        if found is not None:
            made = rows_of(Bought(purchase, found.item, found.source))  # type: ignore[arg-type]
        else:
            status = "skipped" if purchase is None else unsent.get(purchase.key, "not_sent")
            made = [{**record, "status": status, "credits": None, "message": problem}]
        # A row this tool wrote before (a file with its status, credits and message columns,
        # the status one of its words) is updated, not kept beside: a rerun of a file with a
        # skipped or pending row says only how it ends now. A CRM's own status is kept.
        own = written_here or {"credits", "message"} <= set(record)  # JSON keeps null keys
        ours = own and str(record.get("status", "")) in _OUR_STATUSES
        kept = [name for name in results if not (ours and name in ("status", "message"))]
        out += [kept_beside(record, row, kept) for row in made]
    return out


#: The statuses a paid command writes in its rows.
_OUR_STATUSES = frozenset({"completed", "no_match", "pending", "unknown", "unread", "rejected",
                           "failed", "skipped", "suppressed", "not_sent"})  # fmt: skip


#: What each paid command adds to a --layout's columns: what was paid for, and its status.
RESULT_COLUMNS = {
    "verify": ("verdict", "state", "deep", "verifiedAt", "documentId", "status", "credits",
               "message"),
    "enrich-person": ("matchConfidence", "status", "credits", "message"),
    "enrich-org": ("technographics", "acquisitions", "funding", "status", "credits", "message"),
    "news": ("status", "credits", "message"),
}  # fmt: skip
#: The columns a file --append adds to must have: what every row of the command carries (a
#: file it wrote has them, whatever fields its answers held), not every field it may write.
APPEND_NEEDS = {"verify": ("email", "verdict", "status", "credits"),
                "enrich-person": ("matchConfidence", "status", "credits"),
                "enrich-org": ("organisationId", "status", "credits"),
                "news": ("organisationId", "publishedAt")}  # fmt: skip
#: Columns that say a file holds another command's rows (people, in an organisations file).
APPEND_REFUSES = {"enrich-org": ("matchConfidence",)}
#: The kind of record each paid command writes: the section of a --layout it takes.
RECORD_KINDS = {"verify": "people", "enrich-person": "people", "enrich-org": "organisations",
                "news": "articles"}  # fmt: skip


def run_paid(
    endpoint: PaidEndpoint,
    purchases: list[Purchase] | Batch,
    opts: PaidOptions,
    api: ApiOptions,
    rows_of: Callable[[Bought], list[dict[str, Any]]],
    columns: tuple[str, ...],
    noun: str,
    more: MorePages | None = None,
    suppress: list[str] | None = None,
    wait_pending: float | None = None,
) -> None:
    """Price, guard, buy and write: the whole of a paid command once its inputs are read.
    ``more`` names what to buy next from what was bought (the next pages), until nothing. A
    ``Batch`` writes one row per input row. ``wait_pending``: seconds to wait for queued
    answers (a --listen receiver is posting them into the ledger)."""
    batch = purchases if isinstance(purchases, Batch) else None
    wanted: list[Purchase] = purchases.purchases if isinstance(purchases, Batch) else purchases
    out = opts.out
    chosen = api.output_format(out.fmt, out.output)
    own = batch.columns if batch is not None else ()  # the input's: filled from each row
    kind = RECORD_KINDS.get(endpoint.name, "records")
    fields = chosen_columns(out.fields, (*columns, *own), report.warn, layout_columns(out, kind))
    output = output_for(out, api, chosen, fields, summary="records",
                        kind=kind,
                        extra=(*RESULT_COLUMNS.get(endpoint.name, ()), *columns),
                        input_columns=own)  # fmt: skip
    output.check_append(fields or list(APPEND_NEEDS.get(endpoint.name, columns)),
                        APPEND_REFUSES.get(endpoint.name, ()))  # fmt: skip
    unsent: dict[str, str] = {}
    if suppress:
        unsent = _suppressed(wanted, batch, suppress, noun)
        wanted = [p for p in wanted if p.key not in unsent]
    if opts.dry_run:
        return _dry_run(endpoint, wanted, api, opts, more)
    items = Ledger(config.ledger_file()).items()
    total, stopped = _buy_all(endpoint, wanted, opts, api, items, noun, more)
    total.bought = _settle(items, total.bought, noun, wait_pending)
    waited_out = [b for b in total.bought if wait_pending and _queued_by_this_run(b)]
    results = (*RESULT_COLUMNS.get(endpoint.name, ()), "status", "credits", "message")
    rows = (_row_by_row(batch, total.bought, rows_of, unsent, results) if batch is not None
            else [row for b in total.bought for row in rows_of(b)])  # fmt: skip
    written = write_output(rows, output, empty_header=False, held=True, first=own)
    if written == 0 and total.bought:  # asked, answered, and nothing in it (no news)
        report.info("No results")
    report_written(output, written)
    _report(total, noun, endpoint)
    if stopped is not None:
        raise stopped
    if waited_out:
        from clodura_cli.api.errors import PendingJobsError

        raise PendingJobsError(
            f"{len(waited_out)} {noun}(s) still queued after {wait_pending:g}s: their answer is "
            "posted to the webhook later; keep `clodura listen` running to receive it (the "
            "ledger then answers for them), or bring a received one in with `clodura track "
            "--import FILE`",
            [b.item.document_id or "" for b in waited_out],
        )


def _buy_all(
    endpoint: PaidEndpoint,
    wanted: list[Purchase],
    opts: PaidOptions,
    api: ApiOptions,
    items: PaidItems,
    noun: str,
    more: MorePages | None,
) -> tuple[paid.Basket, CreditGuardError | None]:
    """Buy the purchases, then what ``more`` names next, each round priced and guarded; a
    guard that stops a later round is returned, so that what was bought is written first.
    --max-credits stopping a later page of --all is the cap doing its job, as for `search
    --all`: said, and the run ends well."""
    concurrency = int(api.setting("concurrency", opts.concurrency))
    connection = open_connection(api, concurrency=concurrency, rate=opts.rate)
    max_age = None if opts.max_age is None else opts.max_age * 86400
    total = paid.Basket()
    with connection.client:
        while wanted:
            fresh = _fresh(items, connection.account, endpoint, wanted, opts)
            worst = paid.worst_case(endpoint, fresh)
            spent = total.at_most(endpoint)
            capped = bool(total.bought) and _past_cap(opts, worst + spent)
            if capped:
                wanted = _within_cap(endpoint, wanted, fresh, opts, spent)
                fresh = [p for p in fresh if p in wanted]
                report.warn(f"--max-credits {opts.max_credits:g}: {len(fresh)} more {noun}(s) "
                            f"fit after the {spent:g} credits {_SPENT[bool(total.unsure)]}; "
                            "the rest of --all is not sent")  # fmt: skip
                if not wanted:
                    return total, None
                worst = paid.worst_case(endpoint, fresh)
            try:
                _guard(opts, len(fresh), worst, noun, spent)
            except CreditGuardError as exc:
                if not total.bought:
                    raise
                return total, exc
            with count_progress(noun, len(wanted)) as tick:
                basket = paid.buy(
                    connection.client, items, connection.account, endpoint, wanted,
                    concurrency=concurrency, refresh=opts.refresh, max_age=max_age,
                    on_item=None if tick is None else lambda bought: tick(bought.item),
                )  # fmt: skip
            total.bought += basket.bought
            total.not_sent += basket.not_sent
            total.fatal = total.fatal or basket.fatal
            if basket.fatal is not None or basket.not_sent or more is None or capped:
                break
            wanted = more.next(basket.bought)
    return total, None


#: What --max-credits counted: what answers told, or with it what they may have cost.
_SPENT = {False: "spent", True: "this run may have spent"}


def _fresh(
    items: PaidItems,
    account: str,
    endpoint: PaidEndpoint,
    wanted: list[Purchase],
    opts: PaidOptions,
) -> list[Purchase]:
    """The purchases a run sends: those the ledger does not answer (all of them with
    --refresh; with --max-age, an older answer does not count)."""
    if opts.refresh:
        return list(wanted)
    max_age = None if opts.max_age is None else opts.max_age * 86400
    return [p for p in wanted if not items.holds(account, endpoint.name, p.key, max_age)]


def _within_cap(
    endpoint: PaidEndpoint,
    wanted: list[Purchase],
    fresh: list[Purchase],
    opts: PaidOptions,
    spent: float,
) -> list[Purchase]:
    """The first of ``wanted`` (pages, in order) whose cost keeps the run within --max-credits."""
    kept: list[Purchase] = []
    for purchase in wanted:
        cost = paid.worst_case(endpoint, [purchase]) if purchase in fresh else 0.0
        if _past_cap(opts, spent + cost):
            break
        spent += cost
        kept.append(purchase)
    return kept


def _past_cap(opts: PaidOptions, credits: float) -> bool:
    return opts.max_credits is not None and credits > opts.max_credits


def _settle(
    items: PaidItems, bought: list[Bought], noun: str, wait_pending: float | None
) -> list[Bought]:
    """Wait for what another run is sending right now (never paid twice, never reported as
    unanswered while it is on its way), and with --listen for the queued answers."""
    held = sum(1 for b in bought if paid.in_flight(b, time.time()))
    if held:
        report.info(f"waiting for {held} {noun}(s) another clodura run is sending right now")
        bought = paid.settle(items, bought, lambda b: paid.in_flight(b, time.time()),
                             paid.IN_FLIGHT)  # fmt: skip
    pending = sum(1 for b in bought if _queued_by_this_run(b))
    if pending and wait_pending:
        report.info(f"waiting up to {wait_pending:g} s for {pending} queued {noun}(s) to be "
                    "posted to the webhook")  # fmt: skip
        bought = paid.settle(items, bought, _queued_by_this_run, wait_pending)
    return bought


def _queued_by_this_run(bought: Bought) -> bool:
    """Queued (202) by a request this run sent: its answer comes to this run's webhook."""
    return bought.item.status == "pending" and bought.source == "sent"


def _guard(opts: PaidOptions, count: int, worst: float, noun: str, spent: float = 0.0) -> None:
    """--max-credits (counting what this run spent already) and the question above 50."""
    if _past_cap(opts, worst + spent):
        already = f" after the {spent:g} this run spent" if spent else ""
        raise CreditGuardError(
            f"--max-credits {opts.max_credits:g}: {count}{' more' if spent else ''} {noun}(s) "
            "may cost up to "
            f"{worst:g} credits{already}; they were not sent"
        )
    question = f"Send {count} {noun}(s), up to {worst:g} credits?"
    if worst > CONFIRM_ABOVE and not opts.yes and terminal.confirm(question) is False:
        raise CreditGuardError("stopped before sending: not confirmed")


def _dry_run(
    endpoint: PaidEndpoint,
    purchases: list[Purchase],
    api: ApiOptions,
    opts: PaidOptions,
    more: MorePages | None,
) -> None:
    """The bodies that would be sent, what the ledger answers, and the worst case: with --all,
    every page the window holds (or, with --max-credits, the cap)."""
    known = list(more.known) if more is not None and more.unknown is not None else []
    fresh = list(purchases)
    try:
        connection = open_connection(api)
    except MissingKeyError:
        report.warn("no API key: the ledger could not be checked")
    else:
        with connection.client:
            items = Ledger(config.ledger_file()).items()
            fresh = _fresh(items, connection.account, endpoint, purchases, opts)
            known = _fresh(items, connection.account, endpoint, known, opts)
    worst = paid.worst_case(endpoint, fresh)
    if more is not None and purchases and not _past_cap(opts, worst):
        # --all: every later page may be bought, as many as fit what the cap leaves; those the
        # ledger's answers say exist and it holds cost nothing, none past the last exists.
        unit = paid.worst_case(endpoint, purchases[:1])
        later = max(0, more.most - len(purchases)) if more.unknown is None else more.unknown
        later += len(known)
        if opts.max_credits is not None and unit > 0:
            later = min(later, int((opts.max_credits - worst) // unit))
        worst += unit * later
    shown = {
        "method": "POST",
        "url": api.resolved_base_url() + endpoint.path,  # named as reveal's and search's are
        "bodies": [p.body for p in fresh],
        "fromLedger": len(purchases) - len(fresh),
        "worstCaseCredits": int(worst) if worst == int(worst) else round(worst, 4),
    }
    sys.stdout.write(json_text(shown, indent=2) + "\n")


def _report(basket: paid.Basket, noun: str, endpoint: PaidEndpoint) -> None:
    from_ledger = sum(1 for b in basket.bought if b.source == "ledger")
    if from_ledger:
        report.info(
            f"{from_ledger} answered from the ledger: no credits spent on them (--refresh to "
            "ask again)"
        )
    unsure = basket.unsure
    untold = ""
    if unsure:
        most = basket.at_most(endpoint) - basket.spent
        untold = (f"; {len(unsure)} {noun}(s) whose answer did not say (not understood, or "
                  f"none came) may have cost up to {most:g} more")  # fmt: skip
    report.info(f"credits spent by this run: {basket.spent:g} (from the answers and prices)"
                f"{untold}")  # fmt: skip
    pending = [b for b in basket.bought if b.item.status == "pending"]
    hooked = sum(1 for b in pending if b.item.body.get("webhookUrl"))
    if hooked:
        report.info(
            f"{hooked} {noun}(s) queued by the API: the answer is posted to the webhook; "
            "`clodura listen` receives it, `clodura track --import FILE` brings in one received "
            "elsewhere"
        )
    if len(pending) > hooked:
        report.warn(
            f"{len(pending) - hooked} {noun}(s) queued by the API with no webhook to post the "
            "answer to: nothing can receive it; ask again with --webhook-url URL and --refresh "
            "(which may be charged again)"
        )
    if basket.fatal is not None:
        raise basket.fatal
    unknown = [b for b in basket.bought if b.item.status == "unknown"]
    unread = [b for b in basket.bought if b.item.status == "unread"]
    if basket.not_sent:
        report.warn(f"{len(basket.not_sent)} {noun}(s) not sent; rerun to send them")
    if unknown or unread:
        first = next((b.item.message for b in [*unread, *unknown] if b.item.message), None)
        raise UnconfirmedRevealsError(
            f"{len(unknown)} {noun}(s) got no answer (or are being sent by another run right "
            f"now) and {len(unread)} an answer not "
            "understood: they may have been charged, are kept in the ledger (`clodura track "
            "--raw` with the email, URL or id shows them; `clodura track --reparse` reads them "
            "again after an upgrade), and are not sent again without --refresh"
            f"{f' ({first})' if first else ''}"
        )
    rejected = [b for b in basket.bought if b.item.status == "rejected"]
    if rejected:
        raise RejectedRevealsError(
            f"{len(rejected)} {noun}(s) refused by the API (nothing charged): "
            f"{rejected[0].item.message}"
        )

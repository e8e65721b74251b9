"""`clodura news`: a company's news articles, each request (2 credits) kept in the ledger."""

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clodura_cli.api.errors import UsageError
from clodura_cli.cli import report
from clodura_cli.cli.commands.paid_flow import MorePages, PaidOptions, with_paid_options
from clodura_cli.cli.session import ApiOptions

if TYPE_CHECKING:
    from clodura_cli.paid import Bought, Purchase

COLUMNS = ("organisationId", "orgLinkedinUrl", "publishedAt", "category", "title", "source",
           "url", "summary", "articleId")  # fmt: skip

# fmt: off
OrgId = Annotated[str | None, typer.Argument(
    help="The organisation's id (- reads ids from stdin, as --input - does).", metavar="[ORG_ID]",
)]
OrgLinkedinUrl = Annotated[str | None, typer.Option(
    "--org-linkedin-url", help="The company's LinkedIn URL (instead of an id).",
)]
Since = Annotated[str, typer.Option(
    "--since", metavar="DATE", help="Published on or after: YYYY-MM-DD, today, yesterday, -30d.",
)]
Until = Annotated[str, typer.Option(
    "--until", metavar="DATE", help="Published on or before (same forms).",
)]
Categories = Annotated[list[str] | None, typer.Option(
    "--category",
    help="Acquisition, Announcements, Bankruptcy, Expansion, IPO, Investment, Issue, Launch, "
         "Layoff, Partnership, Patent or Funding. Repeatable.",
)]
Keywords = Annotated[list[str] | None, typer.Option(
    "--keyword", help="A word the article must mention. Repeatable.",
)]
Title = Annotated[str | None, typer.Option(
    "--title", help="An exact headline.",
)]
Page = Annotated[int, typer.Option(
    "--page", min=1, max=100, metavar="N", help="The page to fetch.",
)]
AllPages = Annotated[bool, typer.Option(
    "--all", help="Every page until the API has no more (at most 100; 2 credits each).",
)]
# fmt: on


@with_paid_options
def news(
    org_id: OrgId = None,
    org_linkedin_url: OrgLinkedinUrl = None,
    since: Since = "-30d",
    until: Until = "today",
    category: Categories = None,
    keyword: Keywords = None,
    title: Title = None,
    page: Page = 1,
    all_pages: AllPages = False,
    *,
    paid_opts: PaidOptions,
    api: ApiOptions,
) -> None:
    """A company's news, one row per article with the organisation's id on each. 2 credits
    per request (a page of articles), whatever it holds; a request made before is answered
    from the ledger. --input asks the same for each organisation of a file.

    Examples:

      clodura news --sandbox 6964146847109114255 --since -90d

      clodura news --org-linkedin-url https://www.linkedin.com/company/acme/ --category Funding

      clodura news 6964146847109114255 --since 2026-01-01 --until 2026-06-30 --all -o news.csv

      clodura orgs --sandbox --domain pixelhealth.test -f jsonl | clodura news --sandbox -
    """
    from clodura_cli.cli.commands import paid_flow
    from clodura_cli.vendor import NEWS, NEWS_MAX_PAGE

    orgs = _orgs(org_id, org_linkedin_url, paid_opts.input_file)
    queries = [_query(org, since, until, category, keyword, title, page) for org in orgs]
    queries = _within_known_pages(queries, page, paid_opts.refresh, api)
    if not queries:
        return

    def next_pages(bought: "list[Bought]") -> "list[Purchase]":
        return [p for query in queries for p in query.next_pages(query.own(bought))]

    most = (NEWS_MAX_PAGE - page + 1) * len(queries)
    more = MorePages(next_pages, most) if all_pages else None
    if more is not None and paid_opts.dry_run and not (paid_opts.refresh or paid_opts.max_age):
        more = _known_pages(more, queries, page, api)  # else the page bought again decides
    paid_flow.run_paid(NEWS, [query.purchase(page) for query in queries], paid_opts, api,
                       _rows, COLUMNS, "news request", more)  # fmt: skip


def _known_pages(more: MorePages, queries: "list[_Query]", page: int, api: ApiOptions) -> MorePages:
    """--all --dry-run: the later pages the ledger's answers say each query has (a query it
    knows nothing of may have every page of the window)."""
    from clodura_cli.vendor import NEWS_MAX_PAGE

    known: list[Purchase] = []
    unknown = 0
    for query in queries:
        last = query.last_known_page(api, through=page)
        if last is None:
            unknown += NEWS_MAX_PAGE - page
        else:
            last = min(last, NEWS_MAX_PAGE)  # the run stops there
            known += [query.purchase(number) for number in range(page + 1, last + 1)]
    return MorePages(more.next, more.most, known, unknown)


def _within_known_pages(
    queries: "list[_Query]", page: int, refresh: bool, api: ApiOptions
) -> "list[_Query]":
    """The queries whose --page is not past the last page the ledger's answers report for
    them (those are said, and not sent; --refresh asks anyway)."""
    if refresh or page == 1:
        return queries
    kept = []
    for query in queries:
        last = query.last_known_page(api)
        if last is not None and page > last:
            whose = f" of {organisation_of(query.org)}" if len(queries) > 1 else ""
            report.info(f"news: page {page} is past the last page ({last}) the API gave for "
                        f"this query{whose}; nothing sent (--refresh asks anyway)")  # fmt: skip
        else:
            kept.append(query)
    return kept


def organisation_of(org: dict[str, Any]) -> str:
    """An organisation as a message names it: its id, else its page."""
    from clodura_cli.vendor import organisation_named

    return organisation_named(org)


def _orgs(
    org_id: str | None, org_linkedin_url: str | None, input_file: str | None
) -> list[dict[str, Any]]:
    """The organisations asked about: the argument or --org-linkedin-url, and each row of
    --input (an id a spreadsheet damaged, or a row naming none, is skipped and said); each
    once. Usage errors before anything is sent."""
    from clodura_cli.cli.commands import paid_flow
    from clodura_cli.vendor import ORG_INPUT_COLUMNS, org_of, organisation_named

    if org_id == "-":  # standard input, as `search --org-id -` reads it
        if input_file is not None:
            raise UsageError("ORG_ID -: reads standard input, as --input - does; give one")
        org_id, input_file = None, "-"
    if input_file is None and bool(org_id) == bool(org_linkedin_url):
        raise UsageError("news: give an ORG_ID or --org-linkedin-url (one of them), or --input")
    read = paid_flow.read_records(
        input_file, [org_id] if org_id else [], "organisationId", ORG_INPUT_COLUMNS
    )
    rows = [*read.rows, *([("--org-linkedin-url", {"orgLinkedinUrl": org_linkedin_url})]
                          if org_linkedin_url else [])]  # fmt: skip
    orgs: dict[str, dict[str, Any]] = {}
    for label, record in rows:
        where = "ORG_ID" if label == "argument 1" else label
        try:
            org = org_of(record, where)
        except UsageError as exc:
            if input_file is None:
                raise
            said = exc.message.removeprefix(f"{where}: ")  # named once, as the row
            report.warn(f"{paid_flow.shown_row(where)}: {said}; skipped")
            continue
        named = org.get("organisationId")
        if named is not None and not str(named).isdigit():
            report.warn(f"{paid_flow.shown_row(where)}: organisation id {named!r} is not "
                        "digits as the API's ids are; sent anyway (2 credits)")  # fmt: skip
        orgs.setdefault(organisation_named(org), org)
    if not orgs:
        raise UsageError("nothing to send: every input was refused (see above)")
    paid_flow.warn_one_organisation_twice(rows, "2 credits a page")
    return list(orgs.values())


@dataclass(frozen=True)
class _Query:
    """One news query: what every page's body carries, and the page it started at."""

    org: dict[str, str]
    start: str
    end: str
    categories: list[str]
    keywords: list[str]
    title: str | None
    first_page: int

    def purchase(self, number: int) -> "Purchase":
        from clodura_cli.vendor import news_body, news_purchase

        return news_purchase(news_body(self.org, self.start, self.end, self.categories,
                                       self.keywords, self.title, number))  # fmt: skip

    def own(self, bought: "list[Bought]") -> "list[Bought]":
        """The pages of this query's organisation among those bought."""
        from clodura_cli.vendor import organisation_named

        named = organisation_named(self.org)
        return [b for b in bought if organisation_named(b.purchase.body) == named]

    def next_pages(self, bought: "list[Bought]") -> "list[Purchase]":
        """The next pages: all of them at once when the answer says how many there are, else
        one at a time until a page comes back empty; never past page 100."""
        from clodura_cli.vendor import NEWS_MAX_PAGE

        if not bought:
            return []
        last = bought[-1]
        result = last.item.result if last.item.status == "completed" else None
        if not result or not result.get("articles"):
            return []
        number = last.purchase.body["page"]
        pages = result.get("totalPages")
        final = min(NEWS_MAX_PAGE, pages if isinstance(pages, int) else number + 1)
        if isinstance(pages, int) and pages > NEWS_MAX_PAGE and number == self.first_page:
            report.warn(
                f"news: the API has {pages} pages; --all stops at page {NEWS_MAX_PAGE}, the most "
                "it serves: narrow --since/--until or --category to see the rest"
            )
        return [self.purchase(n) for n in range(number + 1, final + 1)]

    def last_known_page(self, api: ApiOptions, through: int | None = None) -> int | None:
        """The number of pages the ledger's answers to this query report: any page before
        this one (or ``through``, this one included)."""
        from clodura_cli.store import config
        from clodura_cli.store.ledger import Ledger
        from clodura_cli.vendor import NEWS

        account = api.account()
        if account is None or not config.ledger_file().exists():
            return None
        items = Ledger(config.ledger_file()).items()
        for number in range(1, (through + 1) if through is not None else self.first_page):
            item = items.latest(account, NEWS.name, self.purchase(number).key)
            result = item.result if item is not None and item.status == "completed" else None
            pages = result.get("totalPages") if isinstance(result, dict) else None
            if isinstance(pages, int):
                return pages
        return None


def _query(
    org: dict[str, Any], since: str, until: str, category: list[str] | None,
    keyword: list[str] | None, title: str | None, page: int,
) -> _Query:  # fmt: skip
    """The flags checked and read into one organisation's query (usage errors before anything
    is sent)."""
    from clodura_cli.api.filters import date_text, resolve_date

    start = resolve_date(date_text(since, "--since")).isoformat()
    end = resolve_date(date_text(until, "--until")).isoformat()
    if end < start:
        raise UsageError(f"--until: {end} is before --since {start}")
    categories = [_category(name) for name in category or []]
    return _Query(org, start, end, categories, keyword or [], title, page)


def _rows(bought: "Bought") -> list[dict[str, Any]]:
    """One row per article of a page bought (a page not answered is said, not hidden)."""
    from clodura_cli.vendor import news_rows

    if bought.item.status != "completed":
        report.warn(f"news page {bought.purchase.body['page']}: {bought.item.status}: "
                    f"{bought.item.message or ''}")  # fmt: skip
    return news_rows(bought.item.result)


def _category(name: str) -> str:
    from clodura_cli.vendor import NEWS_CATEGORIES

    by_word = {c.lower(): c for c in NEWS_CATEGORIES}
    found = by_word.get(name.strip().lower())
    if found:
        return found
    parts = [part.strip().lower() for part in name.split(",") if part.strip()]
    if len(parts) > 1 and all(part in by_word for part in parts):
        repeated = " ".join(f"--category {by_word[part]}" for part in parts)
        raise UsageError(f"--category: {name!r} is several categories; repeat the flag: {repeated}")
    close = difflib.get_close_matches(name.strip().lower(), list(by_word), n=1)
    hint = f"did you mean {by_word[close[0]]!r}? " if close else ""
    raise UsageError(
        f"--category: {name!r} is not a news category; {hint}use {', '.join(NEWS_CATEGORIES)}"
    )

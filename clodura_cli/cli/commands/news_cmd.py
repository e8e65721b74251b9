"""`clodura news`: a company's news articles, each request (2 credits) kept in the ledger."""

from __future__ import annotations

import difflib
from typing import Annotated, Any

import typer

from clodura_cli.api.errors import UsageError
from clodura_cli.cli import options, report
from clodura_cli.cli.commands.paid_flow import PaidOptions, with_paid_options
from clodura_cli.cli.session import ApiOptions

COLUMNS = ("organisationId", "orgLinkedinUrl", "publishedAt", "category", "title", "source",
           "url", "summary", "articleId")  # fmt: skip

# fmt: off
OrgId = Annotated[str | None, typer.Argument(
    help="The organisation's id.", show_default=False, metavar="[ORG_ID]",
)]
OrgLinkedinUrl = Annotated[str | None, typer.Option(
    "--org-linkedin-url", show_default=False, help="The company's LinkedIn URL (instead of an id).",
)]
Since = Annotated[str, typer.Option(
    "--since", metavar="DATE", help="Published on or after: YYYY-MM-DD, today, yesterday, -30d.",
)]
Until = Annotated[str, typer.Option(
    "--until", metavar="DATE", help="Published on or before (same forms).",
)]
Categories = Annotated[list[str] | None, typer.Option(
    "--category", show_default=False,
    help="Acquisition, Announcements, Bankruptcy, Expansion, IPO, Investment, Issue, Launch, "
         "Layoff, Partnership, Patent or Funding. Repeatable.",
)]
Keywords = Annotated[list[str] | None, typer.Option(
    "--keyword", show_default=False, help="A word the article must mention. Repeatable.",
)]
Title = Annotated[str | None, typer.Option(
    "--title", show_default=False, help="An exact headline.",
)]
Page = Annotated[int, typer.Option("--page", min=1, max=100, help="The page to fetch.")]
AllPages = Annotated[bool, typer.Option(
    "--all", help="Every page until the API has no more (at most 100; 2 credits each).",
)]
# fmt: on


@options.with_api_options
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
    from the ledger.

    Examples:

      clodura news --sandbox 6964146847109114255 --since -90d

      clodura news --org-linkedin-url https://www.linkedin.com/company/acme/ --category Funding

      clodura news 6964146847109114255 --since 2026-01-01 --until 2026-06-30 --all -o news.csv
    """
    from clodura_cli.api.filters import date_text, resolve_date
    from clodura_cli.cli.commands import paid_flow
    from clodura_cli.vendor import NEWS, NEWS_MAX_PAGE, news_body, news_purchase, news_rows

    if bool(org_id) == bool(org_linkedin_url):
        raise UsageError("news: give an ORG_ID or --org-linkedin-url (one of them)")
    from clodura_cli.vendor import normal_company_url

    org = ({"organisationId": org_id} if org_id
           else {"orgLinkedinUrl": normal_company_url(str(org_linkedin_url))})  # fmt: skip
    start = resolve_date(date_text(since, "--since")).isoformat()
    end = resolve_date(date_text(until, "--until")).isoformat()
    if end < start:
        raise UsageError(f"--until: {end} is before --since {start}")
    categories = [_category(name) for name in category or []]

    def body(number: int) -> dict[str, Any]:
        return news_body(org, start, end, categories, keyword or [], title, number)

    def rows_of(bought: Any) -> list[dict[str, Any]]:
        if bought.item.status != "completed":
            report.warn(f"news page {bought.purchase.body['page']}: {bought.item.status}: "
                        f"{bought.item.message or ''}")  # fmt: skip
        return news_rows(bought.item.result)

    def more(bought: list[Any]) -> list[Any]:
        """The next pages: all of them at once when the answer says how many there are, else
        one at a time until a page comes back empty; never past page 100."""
        last = bought[-1]
        result = last.item.result if last.item.status == "completed" else None
        if not result or not result.get("articles"):
            return []
        number = last.purchase.body["page"]
        pages = result.get("totalPages")
        final = min(NEWS_MAX_PAGE, pages if isinstance(pages, int) else number + 1)
        if isinstance(pages, int) and pages > NEWS_MAX_PAGE and number == page:
            report.warn(
                f"news: the API has {pages} pages; --all stops at page {NEWS_MAX_PAGE}, the most "
                "it serves: narrow --since/--until or --category to see the rest"
            )
        return [news_purchase(body(n)) for n in range(number + 1, final + 1)]

    last = None if paid_opts.refresh or page == 1 else _last_page(body, page, api)
    if last is not None and page > last:
        report.info(
            f"news: page {page} is past the last page ({last}) the API gave for this query; "
            "nothing sent (--refresh asks anyway)"
        )
        return
    paid_flow.run_paid(NEWS, [news_purchase(body(page))], paid_opts, api, rows_of, COLUMNS,
                       "news request", more if all_pages else None)  # fmt: skip


def _last_page(body: Any, page: int, api: ApiOptions) -> int | None:
    """The number of pages the ledger's answers to this query (any earlier page) report."""
    from clodura_cli.store import config
    from clodura_cli.store.ledger import Ledger
    from clodura_cli.vendor import NEWS, news_purchase

    account = api.account()
    if account is None or not config.ledger_file().exists():
        return None
    items = Ledger(config.ledger_file()).items()
    for number in range(1, page):
        item = items.latest(account, NEWS.name, news_purchase(body(number)).key)
        result = item.result if item is not None and item.status == "completed" else None
        pages = result.get("totalPages") if isinstance(result, dict) else None
        if isinstance(pages, int):
            return pages
    return None


def _category(name: str) -> str:
    from clodura_cli.vendor import NEWS_CATEGORIES

    by_word = {c.lower(): c for c in NEWS_CATEGORIES}
    found = by_word.get(name.strip().lower())
    if found:
        return found
    close = difflib.get_close_matches(name.strip().lower(), list(by_word), n=1)
    hint = f"did you mean {by_word[close[0]]!r}? " if close else ""
    raise UsageError(
        f"--category: {name!r} is not a news category; {hint}use {', '.join(NEWS_CATEGORIES)}"
    )

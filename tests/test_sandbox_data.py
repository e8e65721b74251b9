"""The sandbox's population: cached once per code version, the vendor's example in it, and
nothing in it that could reach a real inbox or phone."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import Server, loopback, run_cli, sandbox_fails, sent

from clodura_cli.sandbox import data
from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.data import (
    RESERVED_SUFFIXES,
    VENDOR_DOMAIN,
    VENDOR_ORGANIZATION_ID,
    build_dataset,
    cache_folder,
)

#: A copy of the vendor's Search People page (shared/seed/), so that CI needs nothing beside.
SEED = Path(__file__).parent / "data" / "search-people-endpoint.txt"


def seed_example(kind: str) -> str:
    """The vendor page's example request body or response, as printed there."""
    text = SEED.read_text(encoding="utf-8")
    if kind == "request":
        return text.split("--data '", 1)[1].split("'", 1)[0]
    return text.split("Example Response", 1)[1].split("Webhook Tracking", 1)[0].strip()


# The cache ------------------------------------------------------------------------------------


@pytest.fixture
def own_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A cache folder of this test's own (not the shared one), its data set generated once:
    the cached file; this process's data sets forgotten before and after."""
    monkeypatch.setenv("CLODURA_CACHE_DIR", str(tmp_path / "own-cache"))
    data._dataset.cache_clear()
    build_dataset()
    [cached] = cache_folder().glob("population-*.marshal")
    data._dataset.cache_clear()
    yield cached
    data._dataset.cache_clear()


@pytest.mark.slow
def test_the_population_is_generated_once_then_loaded_from_the_cache(
    monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    assert oct(own_cache.stat().st_mode & 0o777) == "0o600"
    first = data.generate()

    def no_generation(seed: int = 0) -> None:
        raise AssertionError("generated again instead of loading the cache")

    monkeypatch.setattr(data, "generate", no_generation)
    again = build_dataset()
    assert [p.record for p in again.people[:300]] == [p.record for p in first.people[:300]]
    shift = data.calendar_shift(dt.date.today())
    assert list(again.companies) == [data._moved(c, shift) for c in first.companies]


@pytest.mark.slow
def test_an_unreadable_cache_is_regenerated(own_cache: Path) -> None:
    own_cache.write_bytes(b"\x00not marshal")
    assert len(build_dataset()) == data.PEOPLE_COUNT
    assert own_cache.read_bytes() != b"\x00not marshal"


@pytest.mark.slow
def test_a_cache_with_a_damaged_company_is_regenerated(own_cache: Path) -> None:
    # Companies are made when first looked at: a bad funding date failed every later funding
    # search with an internal error, and the cache was never rebuilt.
    import marshal

    payload = marshal.loads(own_cache.read_bytes())
    funded = next(i for i, row in enumerate(payload["companies"]) if row[data._FUNDED])
    row = list(payload["companies"][funded])
    row[data._FUNDED] = "2017/06-15"
    payload["companies"][funded] = tuple(row)
    own_cache.write_bytes(marshal.dumps(payload))
    assert data._load_cached(own_cache) is None
    served = build_dataset()
    assert all(c.funding_date is None or len(c.funding_date) == 10 for c in served.companies)
    assert "2017/06-15" not in str(marshal.loads(own_cache.read_bytes())["companies"][funded])


# The vendor's example ------------------------------------------------------------------------


def vendor_record() -> dict[str, object]:
    [record] = json.loads(seed_example("response"))
    return record  # type: ignore[no-any-return]


def test_the_seed_example_request_finds_the_seed_person_over_http(server: Server) -> None:
    server.reset()
    body = seed_example("request")  # verbatim, as the page prints it
    url = f"{server.url}/api/v1/search/people"
    headers = {"X-API-KEY": "sandbox-standard", "Content-Type": "application/json"}
    if shutil.which("curl"):
        done = subprocess.run(
            ["curl", "--silent", "--request", "POST", "--url", url,
             *(f for name, value in headers.items() for f in ("--header", f"{name}: {value}")),
             "--data", body],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        answer = json.loads(done.stdout)
    else:  # a machine without curl: the same bytes through httpx
        answer = loopback.post(url, content=body.encode(), headers=headers, timeout=60).json()
    expected = vendor_record()
    found = [r for r in answer if r["personId"] == expected["personId"]]
    assert len(found) == 1, answer
    person = found[0]
    for name in ("personId", "firstName", "lastName", "linkedinUrl", "seniority", "personTitle",
                 "functional", "contactEmailStatus", "organizationId", "organizationName",
                 "companyDomain", "page", "perPage"):  # fmt: skip
        assert person[name] == expected[name], name
    for name in ("personCity", "personState", "personCountry", "companyCountry"):
        assert [person[name]] == expected[name], name  # the default dialect: documented strings


def test_the_seed_example_as_a_clodura_search(emulator: SandboxApp) -> None:
    result = run_cli(
        "search", "--sandbox", "--title", "CEO", "--seniority", "Founder", "--domain",
        VENDOR_DOMAIN, "--email-status", "verified", "-f", "jsonl",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    [body] = sent(emulator)
    assert body == {"personTitle": ["CEO"], "seniority": ["Founder"], "companyDomain": ["clodura.ai"],
                    "contactEmailStatus": "verified", "page": 1, "perPage": 25}  # fmt: skip
    [person] = result.jsonl()
    expected = vendor_record()
    assert {k: person[k] for k in ("personId", "firstName", "lastName", "linkedinUrl")} == {
        k: expected[k] for k in ("personId", "firstName", "lastName", "linkedinUrl")
    }
    assert person["organizationId"] == VENDOR_ORGANIZATION_ID


# Nothing real ------------------------------------------------------------------------------------


def test_every_synthetic_domain_is_reserved() -> None:
    dataset = build_dataset()
    domains = {d for company in dataset.companies for d in company.domains}
    assert len(domains) > 1_000
    assert {d for d in domains if not d.endswith(RESERVED_SUFFIXES)} == {VENDOR_DOMAIN}


def test_revealed_emails_and_phones_cannot_reach_anyone(emulator: SandboxApp) -> None:
    dataset = build_dataset()
    ids = [p.record["personId"] for p in dataset.people[:40]]
    email = run_cli("reveal", "email", "--sandbox", "-f", "jsonl", "--webhook-url",
                    "https://hooks.example.com/h", *ids)  # fmt: skip
    assert email.exit_code == (6 if any(sandbox_fails(i) for i in ids) else 0), email.stderr
    addresses = [row["email"] for row in email.jsonl() if row.get("email")]
    assert len(addresses) > 10
    assert all(a.split("@")[1].endswith(RESERVED_SUFFIXES) for a in addresses), addresses
    phone = run_cli("reveal", "phone", "--sandbox", "-f", "jsonl", *ids)
    assert phone.exit_code == (6 if any(sandbox_fails(i, "phone") for i in ids) else 0), (
        phone.stderr
    )
    numbers = [n for row in phone.jsonl() for n in row.get("phones") or []]
    assert len(numbers) > 10
    assert all(re.fullmatch(r"\+1 \d{3} 555 01\d\d", n) for n in numbers), numbers


def test_the_vendor_person_reveals_to_a_reserved_address(emulator: SandboxApp) -> None:
    person_id = str(vendor_record()["personId"])
    result = run_cli("reveal", "email", "--sandbox", "-f", "jsonl", "--webhook-url",
                     "https://hooks.example.com/h", person_id)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    [row] = result.jsonl()
    assert row["email"] == "kapil.khangaonkar@clodura-ai.example"


def test_a_name_reveal_at_a_real_domain_never_guesses_a_real_address(emulator: SandboxApp) -> None:
    result = run_cli("reveal", "email", "--sandbox", "-f", "jsonl", "--webhook-url",
                     "https://hooks.example.com/h", "--first-name", "Ann", "--last-name", "Lee",
                     "--domain", "google.com")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    [row] = result.jsonl()
    assert row["email"] in (None, "ann.lee@google-com.example")


def test_funding_dates_keep_their_age_as_the_calendar_moves(own_cache: Path) -> None:
    """Drawn as of 2026-10-31, the dates move with the calendar: a relative date such as
    `--funded-from -30d` finds companies in the sandbox whatever the day."""
    assert data.calendar_shift(dt.date(2026, 10, 31)) == 0
    assert data.calendar_shift(dt.date(2026, 12, 2)) == 32
    assert data.calendar_shift(dt.date(2027, 3, 15)) == 135
    # A cache of its own: the shared one is written by whichever process first built today's
    # data set, which may not have happened yet on a new machine.
    as_drawn, moved = data._load_cached(own_cache), data._load_cached(own_cache, 135)
    assert as_drawn is not None and moved is not None
    pairs = [
        (a.funding_date, b.funding_date)
        for a, b in zip(as_drawn.companies, moved.companies, strict=True)
    ]
    assert all((a is None) == (b is None) for a, b in pairs)
    assert all(
        dt.date.fromisoformat(b) - dt.date.fromisoformat(a) == dt.timedelta(days=135)
        for a, b in pairs if a and b
    )  # fmt: skip
    newest = max(a for a, _ in pairs if a)
    assert "2026-10-01" <= newest < "2026-11-01"
    assert max(b for _, b in pairs if b) == "2027-03-14"  # served on 2027-03-15: a day old
    # What must not move with the calendar (the year founded) reads the dates as drawn.
    served = data.build_dataset().companies
    assert [data.funded_as_drawn(c) for c in served] == [
        a and dt.date.fromisoformat(a) for a, _ in pairs
    ]


def test_a_relative_funding_date_finds_recent_companies_today(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "--funded-from", "-30d", "--all", "--fields",
                     "organizationId", "-f", "jsonl")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    found = {record["organizationId"] for record in result.jsonl()}
    month_ago = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    companies = emulator.dataset.companies
    employers = [companies[index] for index in set(emulator.dataset.columns.company)]
    expected = {c.id for c in employers if c.funding_date and c.funding_date >= month_ago}
    assert found == expected
    assert len(found) >= 5  # the dates as drawn (up to 2026-10-30) would find none after November

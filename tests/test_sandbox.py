"""The emulator behaves like the documented API: data, validation, keys, credits, jobs, faults."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import run_cli

from clodura_cli.api import spec
from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.data import RESERVED_SUFFIXES, build_dataset, generate
from clodura_cli.sandbox.faults import Faults, FaultSpecError, ScriptedFault
from clodura_cli.sandbox.routes import ROUTES
from clodura_cli.sandbox.runtime import sandbox_transport


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(tmp_path: Path, clock: Clock) -> SandboxApp:
    return SandboxApp(tmp_path / "state.db", job_delay=10, clock=clock)


def api(app: SandboxApp, key: str = "sandbox-standard") -> httpx.Client:
    return httpx.Client(
        base_url="https://api.clodura.ai",
        transport=sandbox_transport(app),
        headers={"X-API-KEY": key},
    )


def search(app: SandboxApp, key: str = "sandbox-standard", **body: Any) -> httpx.Response:
    return api(app, key).post(spec.SEARCH_PEOPLE_PATH, json={"page": 1, "perPage": 100, **body})


def people(app: SandboxApp, **body: Any) -> list[dict[str, Any]]:
    response = search(app, **body)
    return [] if response.status_code == 404 else response.json()


# The data set -------------------------------------------------------------------------------


@pytest.mark.slow
def test_data_set_is_large_varied_and_deterministic() -> None:
    data = build_dataset()
    assert len(data.people) >= 20_000
    assert len(data.companies) >= 1_000
    records = [p.record for p in data.people]
    assert len({r["personId"] for r in records}) == len(records)
    assert len({r["firstName"] for r in records}) >= 100
    assert len({r["lastName"] for r in records}) >= 100
    assert len({r["personCity"] for r in records}) >= 40
    assert len({r["personCountry"] for r in records}) >= 20
    assert {s for r in records for s in r["seniority"]} == set(spec.SENIORITIES)
    assert {r["contactEmailStatus"] for r in records} == set(spec.EMAIL_STATUSES)
    assert {c.employee_size for c in data.companies} == set(spec.EMPLOYEE_SIZES)
    assert {c.revenue for c in data.companies} == set(spec.REVENUES)
    assert {c.business_model for c in data.companies} == set(spec.BUSINESS_MODELS)
    assert len({c.funding_type for c in data.companies if c.funding_type}) >= 12
    assert len({c.industry for c in data.companies}) >= 20
    assert len({t for c in data.companies for t in c.technologies}) >= 30
    assert len({r["personTitle"][0] for r in records}) >= 100
    rebuilt = generate()  # bypass both caches: a fresh generation
    assert [p.record for p in rebuilt.people[:50]] == records[:50]


# Validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"page": 0}, 400),
        ({"perPage": 101}, 400),
        ({"page": "1"}, 400),
        ({"companyDomain": [f"d{i}.com" for i in range(11)]}, 400),
        ({"companyDomain": ["www.acme.com"]}, 400),
        ({"companyDomain": ["a@acme.com"]}, 400),
        ({"companyDomain": ["acme.com/x"]}, 400),
        ({"linkedinUrl": "https://www.linkedin.com/sales/people/x"}, 400),
        ({"fundingFromDate": "2024-13-01"}, 400),
        ({"seniority": ["ceo"]}, 400),
        ({"companyEmployeeSize": ["51-200"]}, 400),
        ({"revenue": ["2M"]}, 400),
        ({"businessModel": ["Platform"]}, 400),
        ({"contactEmailStatus": "valid"}, 400),
        ({"seniority": "CEO"}, 400),
        ({"nickname": "x"}, 400),
        ({"personLocationExclude": True}, 422),
        ({"includeAllOffice": True}, 422),
        ({"fundingFromDate": "2024-06-01", "fundingToDate": "2024-01-01"}, 422),
    ],
)
def test_search_rejects_what_the_api_rejects(
    app: SandboxApp, body: dict[str, Any], status: int
) -> None:
    response = search(app, **body)
    assert response.status_code == status
    assert response.json()["statusCode"] == status
    assert response.json()["message"]


def test_search_requires_page_and_per_page(app: SandboxApp) -> None:
    response = api(app).post(spec.SEARCH_PEOPLE_PATH, json={"perPage": 5})
    assert response.status_code == 400
    assert response.json()["message"] == "page is required"


# Filters ------------------------------------------------------------------------------------


def test_pages_are_stable_and_never_overlap(app: SandboxApp) -> None:
    pages = [
        api(app).post(spec.SEARCH_PEOPLE_PATH, json={"page": n, "perPage": 40}).json()
        for n in (1, 2, 3)
    ]
    ids = [r["personId"] for page in pages for r in page]
    assert len(set(ids)) == 120
    big = api(app).post(spec.SEARCH_PEOPLE_PATH, json={"page": 1, "perPage": 100}).json()
    assert ids[:100] == [r["personId"] for r in big]
    assert pages[1][0]["page"] == 2 and pages[1][0]["perPage"] == 40


def test_array_filters_match_any_value_and_fields_combine(app: SandboxApp) -> None:
    found = people(app, seniority=["CEO", "Founder"], companyEmployeeSize=["51 - 200"])
    assert found
    for record in found:
        assert {"CEO", "Founder"} & set(record["seniority"])
        assert record["companyEmployeeSize"] == "51 - 200"


def test_titles_match_approximately_unless_similar_titles_is_false(app: SandboxApp) -> None:
    similar = {r["personTitle"][0] for r in people(app, personTitle=["vp sales"])}
    assert similar == {"VP Sales", "VP, Sales", "Vice President of Sales"}
    exact = {
        r["personTitle"][0]
        for r in people(app, personTitle=["vp sales"], includeSimilarTitles=False)
    }
    assert exact == {"VP Sales"}


def test_person_location_can_be_excluded(app: SandboxApp) -> None:
    inside = people(app, personCountry=["India"])
    assert inside and all(r["personCountry"] == "India" for r in inside)
    outside = people(app, personCountry=["India"], personLocationExclude=True)
    assert outside and all(r["personCountry"] != "India" for r in outside)


def test_company_location_is_hq_unless_all_offices(app: SandboxApp) -> None:
    data = build_dataset()
    hq_only = {r["organizationId"] for r in people(app, companyCity=["Pune"], perPage=100)}
    every = search(app, companyCity=["Pune"], includeAllOffice=True, page=1).json()
    assert {c.id for c in data.companies if c.hq[0] == "Pune"} >= hq_only
    office_companies = {r["organizationId"] for r in every}
    assert office_companies - hq_only  # some people work at companies with an office there


def test_funding_dates_are_an_inclusive_range(app: SandboxApp) -> None:
    data = build_dataset()
    by_id = {c.id: c for c in data.companies}
    found = people(app, fundingFromDate="2020-01-01", fundingToDate="2020-06-30")
    assert found
    for record in found:
        assert "2020-01-01" <= (by_id[record["organizationId"]].funding_date or "") <= "2020-06-30"


def test_one_person_by_id_name_or_linkedin(app: SandboxApp) -> None:
    person = build_dataset().people[123].record
    for body in (
        {"personId": person["personId"]},
        {"linkedinUrl": person["linkedinUrl"]},
        {"firstName": person["firstName"], "lastName": person["lastName"],
         "companyDomain": person["companyDomain"][:1]},
    ):  # fmt: skip
        assert person["personId"] in {r["personId"] for r in people(app, **body)}


def test_no_match_is_404_no_results(app: SandboxApp) -> None:
    response = search(app, organizationName="Nobody Inc")
    assert response.status_code == 404
    assert response.json() == {"message": "No results found", "statusCode": 404}


# Keys, plans and credits ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [(route.method, route.path + ("/abc" if route.prefix else "")) for route in ROUTES],
    ids=[route.name for route in ROUTES],
)
def test_unknown_or_missing_key_is_401_everywhere(app: SandboxApp, method: str, path: str) -> None:
    response = api(app, "real-looking-key").request(method, path, json={})
    assert response.status_code == 401
    bare = httpx.Client(base_url="https://x", transport=sandbox_transport(app))
    assert bare.request(method, path, json={}).status_code == 401


def test_credits_have_the_shape_of_the_plan_family(app: SandboxApp) -> None:
    assert api(app).get(spec.CREDITS_PATH).json() == {
        "contactsView": 142,
        "maxContacts": "5000",
        "directDials": 38,
        "maxDirectDials": 1000,
    }
    assert api(app, "sandbox-multi").get(spec.CREDITS_PATH).json() == {"remainingCredits": 100_000}


def test_exhausted_key_gets_402_and_free_plan_403_on_reveals(app: SandboxApp) -> None:
    body = {"personId": "1", "webhookUrl": "https://example.com/hook"}
    assert search(app, "sandbox-exhausted").status_code == 402
    assert api(app, "sandbox-exhausted").post(spec.REVEAL_EMAIL_PATH, json=body).status_code == 402
    assert search(app, "sandbox-free").status_code == 200
    assert api(app, "sandbox-free").post(spec.REVEAL_EMAIL_PATH, json=body).status_code == 403
    assert api(app, "sandbox-free").post(spec.REVEAL_PHONE_PATH, json=body).status_code == 403


# Reveal jobs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        (spec.REVEAL_EMAIL_PATH, {"personId": "1"}, 400),
        (spec.REVEAL_EMAIL_PATH, {"webhookUrl": "https://x.io/h"}, 400),
        (spec.REVEAL_EMAIL_PATH, {"firstName": "A", "webhookUrl": "https://x.io/h"}, 422),
        (
            spec.REVEAL_EMAIL_PATH,
            {
                "firstName": "A",
                "lastName": "B",
                "companyDomain": "www.x.io",
                "webhookUrl": "https://x.io/h",
            },
            400,
        ),
        (
            spec.REVEAL_EMAIL_PATH,
            {"linkedinUrl": "https://linkedin.com/sales/x", "webhookUrl": "https://x.io/h"},
            400,
        ),
        (spec.REVEAL_PHONE_PATH, {"personId": "1", "revealPhoneNumberViaPartners": True}, 422),
        (spec.REVEAL_PHONE_PATH, {}, 400),
    ],
)
def test_reveal_validation(app: SandboxApp, path: str, body: dict[str, Any], status: int) -> None:
    assert api(app).post(path, json=body).status_code == status


def track(app: SandboxApp, tracking_id: str, key: str = "sandbox-standard") -> dict[str, Any]:
    response = api(app, key).get(f"{spec.TRACK_PATH}/{tracking_id}")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_email_job_goes_queued_processing_completed_and_charges_once(
    app: SandboxApp, clock: Clock, tmp_path: Path
) -> None:
    data = build_dataset()
    # A person whose deterministic outcome is a verified email.
    candidates = data.people[:200]
    submitted = []
    for person in candidates:
        body = {"personId": person.record["personId"], "webhookUrl": "https://x.io/h"}
        answer = api(app).post(spec.REVEAL_EMAIL_PATH, json=body).json()
        assert answer["status"] == "queued"
        submitted.append((person, answer["trackingId"]))
    first_id = submitted[0][1]
    assert track(app, first_id)["status"] == "queued"
    clock.now += 5
    assert track(app, first_id)["status"] == "processing"
    clock.now += 5
    results = [track(app, tracking_id) for _, tracking_id in submitted]
    statuses = Counter(r["result"]["emailStatus"] for r in results if r["status"] == "completed")
    assert statuses["verified"] > 0 and statuses["guessed"] > 0 and statuses["not_found"] > 0
    assert Counter(r["status"] for r in results)["failed"] > 0
    verified = [
        (person, r)
        for (person, _), r in zip(submitted, results, strict=True)
        if r["status"] == "completed" and r["result"]["emailStatus"] == "verified"
    ]
    for person, answer in verified:
        # first.last at the person's company domain, moved under .example unless reserved
        record, domain = person.record, person.company.domains[0].casefold()
        local, _, at = answer["result"]["email"].partition("@")
        assert local == re.sub(r"[^\w.]", "", f"{record['firstName']}.{record['lastName']}".lower())
        reserved = domain.endswith(RESERVED_SUFFIXES)
        assert at == (domain if reserved else domain.replace(".", "-") + ".example")
        assert answer["result"]["personId"] == record["personId"]
    credits = api(app).get(spec.CREDITS_PATH).json()
    assert credits["contactsView"] == 142 + 2 * len(verified)
    # A second app on the same file (another process) sees the same finished job and balance.
    again = SandboxApp(tmp_path / "state.db", clock=clock)
    assert track(again, first_id) == results[0]
    assert api(again).get(spec.CREDITS_PATH).json() == credits


def test_revealed_people_are_viewed_and_cost_an_export_credit(
    app: SandboxApp, clock: Clock
) -> None:
    before = people(app, seniority=["CEO"])
    for record in before[:30]:
        body = {"personId": record["personId"], "webhookUrl": "https://x.io/h"}
        api(app).post(spec.REVEAL_EMAIL_PATH, json=body)
    clock.now += 20
    spent = api(app).get(spec.CREDITS_PATH).json()["contactsView"]
    unlocked = spent - 142
    assert unlocked > 0
    hidden = [
        r["personId"]
        for r in before[:30]
        if not people(app, personId=r["personId"], excludeViewedPeople=True)
    ]
    assert len(hidden) == unlocked // 2  # 2 credits per verified email on a Standard plan
    spent = api(app).get(spec.CREDITS_PATH).json()["contactsView"]
    people(app, seniority=["CEO"])  # the unlocked ones come back in a plain search, at a price
    assert api(app).get(spec.CREDITS_PATH).json()["contactsView"] == spent + len(hidden)


def test_phone_job_on_multi_provider_costs_10_to_20_when_found(
    app: SandboxApp, clock: Clock
) -> None:
    ids = []
    for person in build_dataset().people[:40]:
        body = {"personId": person.record["personId"]}
        ids.append(
            api(app, "sandbox-multi").post(spec.REVEAL_PHONE_PATH, json=body).json()["trackingId"]
        )
    clock.now += 11
    results = [track(app, t, "sandbox-multi") for t in ids]
    found = [r for r in results if r["status"] == "completed" and r["result"]["phones"]]
    assert found and all(r["type"] == "phone" for r in results)
    remaining = api(app, "sandbox-multi").get(spec.CREDITS_PATH).json()["remainingCredits"]
    assert 10 * len(found) <= 100_000 - remaining <= 20 * len(found)


def test_unknown_tracking_id_or_another_keys_job_is_404(app: SandboxApp) -> None:
    assert api(app).get(f"{spec.TRACK_PATH}/nope").status_code == 404
    tracking_id = api(app).post(spec.REVEAL_PHONE_PATH, json={"personId": "1"}).json()["trackingId"]
    assert api(app, "sandbox-multi").get(f"{spec.TRACK_PATH}/{tracking_id}").status_code == 404


# Faults -------------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    app = SandboxApp(tmp_path / "s.db", faults=Faults(rate_limit=2))
    statuses = [api(app).get(spec.CREDITS_PATH) for _ in range(5)]
    limited = [r for r in statuses if r.status_code == 429]
    assert [r.status_code for r in statuses[:2]] == [200, 200]
    assert len(limited) >= 2
    assert 0 < float(limited[0].headers["Retry-After"]) <= 1


def test_random_faults_follow_their_rates_and_seed(tmp_path: Path) -> None:
    def run() -> list[int]:
        app = SandboxApp(tmp_path / "s.db", faults=Faults(error_rate=0.3, seed=7))
        return [api(app).get(spec.CREDITS_PATH).status_code for _ in range(200)]

    first = run()
    assert first == run()
    errors = sum(1 for s in first if s in (500, 502, 503))
    assert 30 < errors < 90


def test_scripted_faults_parse_and_reject_nonsense() -> None:
    assert ScriptedFault.parse("429:2@search+3") == ScriptedFault("429", 2, "search", 3)
    for bad in ("boom", "429@nowhere", "429:x"):
        with pytest.raises(FaultSpecError):
            ScriptedFault.parse(bad)
    with pytest.raises(FaultSpecError):
        Faults.from_mapping({"latncy": 1})


# Every filter of the spec's tables is applied, or declared not emulated ------------------------

_PERSON = build_dataset().people[0]
_COMPANY = build_dataset().companies[0]
_FUNDED = next(c for c in build_dataset().companies if c.funding_date)


def _samples() -> dict[str, dict[str, tuple[dict[str, Any], dict[str, Any]]]]:
    """For each endpoint, each filter: a body using it and the body without it (a modifier
    needs the filter it modifies). The key set must cover the spec's tables: a new field needs
    a row here, or a declaration in the emulator's NOT_EMULATED."""
    r, c, f = _PERSON.record, _COMPANY, _FUNDED
    loc = {"personCity": [r["personCity"]]}
    hq = {"companyCountry": [c.hq[2]]}
    people = {
        "personId": {"personId": r["personId"]}, "firstName": {"firstName": r["firstName"]},
        "lastName": {"lastName": r["lastName"]}, "linkedinUrl": {"linkedinUrl": r["linkedinUrl"]},
        "seniority": {"seniority": list(r["seniority"])[:1]},
        "personTitle": {"personTitle": [r["personTitle"][0]]},
        "functional": {"functional": ["Finance"]},
        "contactEmailStatus": {"contactEmailStatus": "unavailable"},
        "personCity": {"personCity": ["Tokyo"]}, "personState": {"personState": ["Karnataka"]},
        "personCountry": {"personCountry": [r["personCountry"]]},
        "organizationId": {"organizationId": c.id}, "organizationName": {"organizationName": c.name},
        "companyDomain": {"companyDomain": [c.domains[0]]},
        "companyEmployeeSize": {"companyEmployeeSize": [c.employee_size]},
        "companyCountry": hq, "companyState": {"companyState": [c.hq[1]]},
        "companyCity": {"companyCity": [c.hq[0]]}, "industry": {"industry": [c.industry]},
        "industryKeywords": {"industryKeywords": [c.keywords[0]]},
        "revenue": {"revenue": [c.revenue]}, "fundingType": {"fundingType": [f.funding_type]},
        "fundingFromDate": {"fundingFromDate": f.funding_date},
        "fundingToDate": {"fundingToDate": f.funding_date},
        "businessModel": {"businessModel": [c.business_model]},
        "technologyParameters": {"technologyParameters": [c.technologies[0]]},
        "webKeywords": {"webKeywords": [c.web_keywords[0]]},
    }  # fmt: skip
    search = {name: (body, {}) for name, body in people.items()}
    search["includeSimilarTitles"] = (
        {"personTitle": ["vp sales"], "includeSimilarTitles": False},
        {"personTitle": ["vp sales"]},
    )
    search["personLocationExclude"] = ({**loc, "personLocationExclude": True}, loc)
    search["includeAllOffice"] = ({**hq, "includeAllOffice": True}, hq)
    search["excludeViewedPeople"] = ({"excludeViewedPeople": True}, {})
    orgs = {
        "organisationName": {"organisationName": c.name}, "organisationId": {"organisationId": [c.id]},
        "domain": {"domain": c.domains[0]}, "organisationCity": {"organisationCity": [c.hq[0]]},
        "organisationState": {"organisationState": [c.hq[1]]},
        "organisationCountry": {"organisationCountry": [c.hq[2]]},
        **{k: v for k, v in people.items() if k in spec.ORG_FIELDS_BY_API},
    }  # fmt: skip

    def based(name: str) -> dict[str, Any]:  # Search Organizations needs one filter anyway
        return {"industry": [c.industry]} if name != "industry" else {"revenue": [c.revenue]}

    org_samples = {name: ({**based(name), **body}, based(name)) for name, body in orgs.items()}
    country = {"organisationCountry": [c.hq[2]]}
    org_samples["includeAllOffice"] = ({**country, "includeAllOffice": True}, country)
    return {"search": search, "orgs": org_samples}


def _count(app: SandboxApp, endpoint: str, body: dict[str, Any]) -> int:
    """How many records a body selects: the body is sent (the API must take it), and the
    emulator's own matching counts past the 10,000-record window of the pages."""
    from clodura_cli.sandbox.search import matching_companies, matching_indexes

    path = spec.SEARCH_PEOPLE_PATH if endpoint == "search" else spec.ORG_SEARCH_PATH
    answer = api(app).post(path, json={**body, "page": 1, "perPage": 1})
    assert answer.status_code in (200, 404), answer.text
    if endpoint == "orgs":
        return len(matching_companies(app.dataset, body))
    with app.state.transaction() as db:
        unlocked = app.state.unlocked(db, "sandbox-standard")
    return len(matching_indexes(app.dataset, body, unlocked))


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [("search", f.api) for f in spec.SEARCH_FIELDS if f.api not in ("page", "perPage")]
    + [("orgs", f.api) for f in spec.ORG_FIELDS if f.api not in ("page", "perPage")],
)
def test_every_filter_is_applied_or_declared_not_emulated(
    app: SandboxApp, endpoint: str, field: str
) -> None:
    from clodura_cli.sandbox.search import NOT_EMULATED

    if field in NOT_EMULATED[endpoint]:
        return  # reported to the user: test_a_filter_not_emulated_is_reported
    samples = _samples()[endpoint]
    assert field in samples, f"{field}: give this test a value, or declare it not emulated"
    if field == "excludeViewedPeople":  # unlock someone first: the filter leaves them out
        with app.state.transaction() as db:
            app.state.unlock(db, "sandbox-standard", _PERSON.record["personId"])
    with_it, without = samples[field]
    applied, before = _count(app, endpoint, with_it), _count(app, endpoint, without)
    assert applied > 0 and applied != before, (field, applied, before)


def test_a_filter_not_emulated_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from clodura_cli.sandbox import search as sandbox_search

    monkeypatch.setitem(sandbox_search.NOT_EMULATED, "search", frozenset({"technologyParameters"}))
    result = run_cli("search", "--sandbox", "--tech", "AWS", "--limit", "3", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert "the sandbox does not emulate --tech; it was sent but has no effect" in result.stderr
    quiet = run_cli("search", "--sandbox", "--seniority", "CEO", "--limit", "3", "-f", "jsonl")
    assert "does not emulate" not in quiet.stderr


def test_a_filter_not_emulated_is_reported_when_its_pages_are_reused(
    monkeypatch: pytest.MonkeyPatch, emulator: SandboxApp
) -> None:
    """A rerun answered from the page cache says it too: the page keeps what it said."""
    from clodura_cli.sandbox import search as sandbox_search

    monkeypatch.setitem(sandbox_search.NOT_EMULATED, "search", frozenset({"technologyParameters"}))
    cached = {"CLODURA_SEARCH_CACHE_TTL": "1h"}
    args = ("search", "--sandbox", "--tech", "AWS", "--limit", "3", "-f", "jsonl")
    first, again = run_cli(*args, env=cached), run_cli(*args, env=cached)
    assert len(emulator.log) == 1  # the rerun sent nothing
    assert "reused 1 page" in again.stderr
    assert again.stdout == first.stdout
    for result in (first, again):
        assert "the sandbox does not emulate --tech; it was sent but has no effect" in result.stderr


def test_a_base_url_the_sandbox_does_not_use_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLODURA_SANDBOX", "1")
    monkeypatch.setenv("CLODURA_BASE_URL", "http://127.0.0.1:8765")
    result = run_cli("search", "--limit", "1", "-q")
    assert result.exit_code == 0
    assert result.stderr == (
        "warning: CLODURA_BASE_URL is not used: CLODURA_SANDBOX=1 answers in this process "
        "(to reach http://127.0.0.1:8765, unset CLODURA_SANDBOX)\n"
    )
    monkeypatch.delenv("CLODURA_SANDBOX")
    monkeypatch.delenv("CLODURA_BASE_URL")
    result = run_cli("credits", "--sandbox", "--base-url", "http://127.0.0.1:9", "-q")
    assert result.exit_code == 0
    assert (
        "warning: --base-url is not used: --sandbox answers in this process (to reach http://127.0.0.1:9, leave --sandbox out)"
        in result.stderr
    )
    assert "warning" not in run_cli("search", "--sandbox", "--limit", "1").stderr

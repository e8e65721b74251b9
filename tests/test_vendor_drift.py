"""The readers of the four paid commands (verify, enrich person, enrich org, news) find what was
paid for wherever an answer holds it (API contract, Part B2 and B4): one answer a variant."""

from __future__ import annotations

from typing import Any

import pytest

# Single answers: one shape a reader once misread, and what it must make of it ----------------

E, OTHER = "ann@acme.example", "bob@acme.example"
ASK = {"email": E, "deepVerification": False}
VERIFICATIONS: list[tuple[str, int, Any, tuple[Any, ...]]] = [
    ("status before the verdict", 200,
     {"id": "D1", "status": "COMPLETED", "email": E, "verdict": "DELIVERABLE"},
     ("completed", "Deliverable", "Completed", "D1")),
    ("the verdict in a results list, the id and state around it", 200,
     {"documentId": "D2", "state": "COMPLETED", "results": [{"email": E, "verdict": "RISKY"}]},
     ("completed", "Risky (Catch-all)", "Completed", "D2")),
    ("a 202 with an empty results list", 202,
     {"documentId": "D3", "email": E, "state": "IN-PROGRESS", "results": []},
     ("pending", "Pending", "In-progress", "D3")),
    ("JSend, a requestId, the verdict under a key nobody documented", 200,
     {"status": "success", "data": {"requestId": "D4", "status": "completed", "result": {
         "email_address": E, "deliverability": "catch_all"}}},
     ("completed", "Risky (Catch-all)", "Completed", "D4")),
    ("a list of verifications: the one asked", 200,
     [{"email": OTHER, "verdict": "Undeliverable"}, {"email": E, "verdict": "Deliverable"}],
     ("completed", "Deliverable", None, None)),
    ("snake_case words", 200,
     {"success": True, "data": {"document_id": "D5", "state": "success",
                                "verdict": "risky_catch_all"}},
     ("completed", "Risky (Catch-all)", "Completed", "D5")),
    ("only another address", 200, {"email": OTHER, "verdict": "Deliverable"},
     ("unread", None, None, None)),
    ("a done word without a verdict", 200, {"status": "success", "data": {"state": "done"}},
     ("unread", None, None, None)),
]  # fmt: skip


@pytest.mark.parametrize(("status", "payload", "expected"), [case[1:] for case in VERIFICATIONS],
                         ids=[case[0] for case in VERIFICATIONS])  # fmt: skip
def test_a_verification_is_read_wherever_the_answer_holds_it(
    status: int, payload: Any, expected: tuple[Any, ...]
) -> None:
    from clodura_cli.vendor import read_verification, verification_document

    reading = read_verification(status, payload, ASK)
    result = reading.result or {}
    assert (reading.status, result.get("verdict"), result.get("state"),
            result.get("documentId")) == expected  # fmt: skip
    if reading.status == "unread":
        assert reading.result is None and "answer not understood" in str(reading.message)
    else:
        assert reading.credits == 0.04
        assert verification_document(payload) == expected[3]


PERSON = {"personId": "42", "firstName": "Ann", "lastName": "Lee",
          "linkedinUrl": "https://www.linkedin.com/in/ann-lee/"}  # fmt: skip
ORG = {"organizationId": "7", "organizationName": "Acme", "domain": "acme.example"}
PEOPLE: list[tuple[str, Any, tuple[Any, ...]]] = [
    ("a person and an organization side by side (not organisation details only)",
     {"status": "success", "data": {"person": PERSON, "organization": ORG, "credits": 2}},
     ("completed", 2.0, None, "42", "Ann", "7")),
    ("a flat answer with the id as id",
     {"status": "COMPLETED", "id": "42", "firstName": "Ann", "lastName": "Lee",
      "organisation": {"id": "7", "organisationName": "Acme"}, "creditsUsed": 2},
     ("completed", 2.0, None, "42", "Ann", "7")),
    ("a NOT_FOUND word is no match", {"status": "NOT_FOUND", "creditsUsed": 0},
     ("no_match", 0.0, "no match", None, None, None)),
    ("a nested person asked by another LinkedIn URL",
     {"data": {"person": {**PERSON, "linkedinUrl": "https://www.linkedin.com/in/bob/"}}},
     ("unread", None, None, None, None, None)),
    ("a done word and nothing else", {"status": "COMPLETED", "creditsUsed": 2},
     ("unread", None, None, None, None, None)),
]  # fmt: skip


@pytest.mark.parametrize(("payload", "expected"), [case[1:] for case in PEOPLE],
                         ids=[case[0] for case in PEOPLE])  # fmt: skip
def test_a_person_is_read_wherever_the_answer_holds_them(
    payload: Any, expected: tuple[Any, ...]
) -> None:
    from clodura_cli.vendor import person_row, read_person

    reading = read_person(200, payload, {"linkedinUrl": PERSON["linkedinUrl"]})
    row = person_row({}, reading.result)
    message = reading.message if reading.status != "unread" else None
    assert (reading.status, reading.credits, message, row["personId"], row["firstName"],
            row["organisationId"]) == expected  # fmt: skip


COMPANIES: list[tuple[str, Any, dict[str, Any], tuple[Any, ...]]] = [
    ("the organization inside a JSend envelope",
     {"status": "success", "data": {"organization": {**ORG, "funding": []}, "credits": 2}},
     {"organisationId": "7", "includeFunding": True},
     ("completed", 2.0, "7", "Acme", [])),
    ("snake_case fields", {"success": True, "data": {"organisation_id": "7",
                                                     "organisation_name": "Acme"}},
     {"organisationId": "7"}, ("completed", 1.0, "7", "Acme", None)),
    ("a flat answer with the id as id", {"status": "COMPLETED", "id": "7", "organisationName":
                                         "Acme", "creditsUsed": 1},
     {"orgLinkedinUrl": "https://www.linkedin.com/company/acme/"},
     ("completed", 1.0, "7", "Acme", None)),
    ("a flat answer about another organisation", {"id": "8", "organisationName": "Other"},
     {"organisationId": "7"}, ("unread", None, None, None, None)),
    ("a NOT_FOUND word is not found", {"status": "NOT_FOUND", "creditsUsed": 0},
     {"organisationId": "7"}, ("no_match", 0.0, None, None, None)),
]  # fmt: skip


@pytest.mark.parametrize(("payload", "body", "expected"), [case[1:] for case in COMPANIES],
                         ids=[case[0] for case in COMPANIES])  # fmt: skip
def test_an_organisation_is_read_wherever_the_answer_holds_it(
    payload: Any, body: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    from clodura_cli.vendor import org_row, read_org

    reading = read_org(200, payload, body)
    row = org_row({}, reading.result)
    assert (reading.status, reading.credits, row.get("organisationId"),
            row.get("organisationName"), row.get("funding")) == expected  # fmt: skip


A1 = {"id": "a1", "title": "Acme raises $5M", "published_at": "2026-01-02"}
NEWS_ANSWERS: list[tuple[str, Any, tuple[Any, ...]]] = [
    ("pages and organisation inside data (no extra page bought by --all)",
     {"success": True, "data": {"organisation_id": "7", "total_pages": 3, "articles": [A1]}},
     ("completed", 3, "7", [("7", "a1", "2026-01-02")])),
    ("JSend: news, pagination and organization apart",
     {"status": "success", "data": {"organization": {"organizationId": "7"}, "news": [A1],
                                    "pagination": {"page": 1, "total_pages": 1}}},
     ("completed", 1, "7", [("7", "a1", "2026-01-02")])),
    ("the news of another organisation, nested",
     {"data": {"organization": {"organizationId": "8"}, "news": [A1]}},
     ("unread", None, None, [])),
    ("a true is not a number of pages", {"articles": [], "totalPages": True},
     ("completed", None, "7", [])),
]  # fmt: skip


@pytest.mark.parametrize(("payload", "expected"), [case[1:] for case in NEWS_ANSWERS],
                         ids=[case[0] for case in NEWS_ANSWERS])  # fmt: skip
def test_news_is_read_wherever_the_answer_holds_it(payload: Any, expected: tuple[Any, ...]) -> None:
    from clodura_cli.vendor import news_rows, read_news

    reading = read_news(200, payload, {"organisationId": "7"})
    result = reading.result or {}
    rows = [(r["organisationId"], r.get("articleId"), r.get("publishedAt"))
            for r in news_rows(reading.result)]  # fmt: skip
    assert (reading.status, result.get("totalPages"), result.get("organisationId"), rows) == (
        expected
    )

"""--suppress FILE: a CRM's suppression list; matching people are never paid for again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import error_line, person_ids, run_cli, sent
from hypothesis import given, settings
from hypothesis import strategies as st

from clodura_cli import reveal
from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.data import build_dataset
from clodura_cli.suppress import load


@pytest.fixture(autouse=True)
def quick_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reveal, "POLL_INITIAL", 0.05)
    monkeypatch.setattr(reveal, "POLL_MAX", 0.1)


def test_a_crm_export_and_a_plain_list_are_read_by_what_they_hold(tmp_path: Path) -> None:
    crm = tmp_path / "hubspot.csv"
    crm.write_bytes(
        "\ufeffFirst Name,E-mail Address,LinkedIn URL,Person ID,Website\r\n"
        "Ann,Ann+News@Acme.com,linkedin.com/in/Ann-Lee,,\r\n"
        "Bob,,,1877055212287098270,https://www.Globex.example/about\r\n"
        "Eve,,,2.15846224800326E+18,\r\n".encode()
    )
    plain = tmp_path / "plain.txt"
    plain.write_text("zed@initech.example\nhttps://www.linkedin.com/in/zed/\nhooli.example\n42\n")
    suppression = load([str(crm), str(plain)])
    assert suppression is not None
    assert (suppression.emails, suppression.linkedin, suppression.people, suppression.domains) == (
        {"ann@acme.com", "zed@initech.example"},
        {"https://www.linkedin.com/in/ann-lee/", "https://www.linkedin.com/in/zed/"},
        {"1877055212287098270", "42"},
        {"globex.example", "hooli.example"},
    )
    assert suppression.ignored == 1  # the id a spreadsheet damaged
    assert suppression.matches({"email": "ANN@acme.com"})
    assert suppression.matches({"linkedinUrl": "https://linkedin.com/in/ann-lee"})
    assert suppression.matches({"companyDomain": ["globex.example"]})
    assert suppression.matches({"Work Email": "x@hooli.example"}) is False  # not an email column
    assert suppression.matches({"email": "x@hooli.example"})
    assert not suppression.matches({"email": "ann@acme.co", "personId": "4"})


def test_reveal_sends_nothing_for_suppressed_people(tmp_path: Path, emulator: SandboxApp) -> None:
    ids = person_ids(3)
    listed = tmp_path / "suppress.txt"
    listed.write_text(f"{ids[1]}\n")
    result = run_cli("reveal", "email", "--sandbox", "-f", "jsonl", "--concurrency", "1",
                     "--suppress", str(listed), *ids)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert [b["personId"] for b in sent(emulator, "email")] == [ids[0], ids[2]]
    assert "--suppress: 1 of 3 people skipped (1 entries); nothing sent for them" in result.stderr
    rows = result.jsonl()  # each input in its place: the suppressed one says so
    assert [(r["personId"], r["revealStatus"]) for r in rows] == [
        (ids[0], "completed"), (ids[1], "suppressed"), (ids[2], "completed")
    ]  # fmt: skip
    assert (rows[1].get("email"), rows[1]["trackingId"]) == (None, None)
    everyone = tmp_path / "everyone.txt"
    everyone.write_text("\n".join(ids) + "\n")
    emulator.log.clear()
    none = run_cli("reveal", "email", "--sandbox", "--suppress", str(everyone), *ids)
    assert none.exit_code == 2
    assert "nothing to reveal: every input is on the suppression list" in none.stderr
    assert emulator.log == []


def test_a_person_is_suppressed_by_whichever_of_their_rows_the_list_names(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    person = person_ids(1)[0]
    rows = [{"personId": person, "companyDomain": "fine.example"},
            {"personId": person, "companyDomain": "listed.example"}]  # fmt: skip
    listed = tmp_path / "suppress.txt"
    listed.write_text("listed.example\n")
    result = run_cli("reveal", "email", "--sandbox", "-f", "jsonl", "--input", "-",
                     "--suppress", str(listed), input="\n".join(map(json.dumps, rows)))  # fmt: skip
    assert result.exit_code == 2  # nobody left to reveal
    assert "--suppress: 1 of 1 people skipped" in result.stderr  # people, not rows
    assert sent(emulator, "email") == []


def test_search_drops_suppressed_people_and_limit_counts_what_is_written(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    first = run_cli("search", "--sandbox", "--seniority", "Manager", "--limit", "10",
                    "-f", "jsonl").jsonl()  # fmt: skip
    listed = tmp_path / "suppress.csv"
    listed.write_text("Person ID\n" + "".join(f"{r['personId']}\n" for r in first[:4]))
    emulator.log.clear()
    result = run_cli("search", "--sandbox", "--seniority", "Manager", "--limit", "10",
                     "--suppress", str(listed), "-f", "jsonl")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = result.jsonl()
    assert len(rows) == 10
    assert not {r["personId"] for r in rows} & {r["personId"] for r in first[:4]}
    assert [r["personId"] for r in rows[:6]] == [r["personId"] for r in first[4:]]
    assert "--suppress: 4 record(s) dropped (fetched: search records are charged" in result.stderr


def test_verify_and_enrich_send_nothing_for_suppressed_rows(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    person: Any = build_dataset().person(0).record
    listed = tmp_path / "suppress.txt"
    listed.write_text("bob@nowhere.invalid\n" + person["linkedinUrl"] + "\n")
    verify = run_cli("verify", "--sandbox", "Bob+x@nowhere.invalid", "ann@nowhere.invalid",
                     "--suppress", str(listed), "-f", "jsonl")  # fmt: skip
    assert verify.exit_code == 0, verify.stderr
    assert [b["email"] for b in sent(emulator, "verify")] == ["ann@nowhere.invalid"]
    enrich = run_cli("enrich", "person", "--sandbox", "--linkedin-url", person["linkedinUrl"],
                     "--suppress", str(listed))  # fmt: skip
    assert enrich.exit_code == 2
    assert sent(emulator, "enrich-person") == []


def test_an_enrichment_is_suppressed_by_whichever_of_its_rows_the_list_names(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    people = [build_dataset().person(i).record for i in (0, 1)]
    source = tmp_path / "crm.csv"
    source.write_text(
        "linkedinUrl,email\n"
        f"{people[0]['linkedinUrl']},ok@fine.example\n"
        f"{people[1]['linkedinUrl']},x@fine.example\n"
        f"{people[0]['linkedinUrl']},ceo@listed.example\n"  # the same person, listed
    )
    listed = tmp_path / "suppress.txt"
    listed.write_text("listed.example\n")
    result = run_cli("enrich", "person", "--sandbox", "--input", str(source), "--suppress",
                     str(listed), "-f", "jsonl")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert sent(emulator, "enrich-person") == [
        {"linkedinUrl": people[1]["linkedinUrl"], "email": "x@fine.example"}
    ]
    assert [r["status"] for r in result.jsonl()] == ["suppressed", "completed", "suppressed"]


def test_a_list_that_suppresses_nobody_stops_the_run(tmp_path: Path, emulator: SandboxApp) -> None:
    """A list of ids a spreadsheet damaged, one naming nothing usable, or a pasted list with a
    comma after each domain, suppressed nobody without a word (then with a warning, and the
    people on it were paid for): the user thought those people were left out."""
    from clodura_cli.sandbox.data import build_dataset

    person = build_dataset().person(0).record["personId"]
    damaged = tmp_path / "ids.txt"
    damaged.write_text(f"{int(person):.14E}\n".replace("E+", "E+0"))
    names = tmp_path / "names.csv"
    names.write_text("Name\nAnn Lee\n")
    spreadsheet = " (its 1 person id(s) were damaged by a spreadsheet: export them as text)"
    for listed, why in ((damaged, spreadsheet), (names, "")):
        result = run_cli("reveal", "email", "--sandbox", person, "--suppress", str(listed))
        assert (result.exit_code, emulator.log) == (2, []), result.stderr
        assert error_line(result.stderr) == (
            f"error: --suppress {listed}: no line of it names an email, domain, LinkedIn URL or "
            f"person id that can be read{why}; nothing sent: fix the file (or leave it out)"
        )
    # A placeholder of comments suppresses nobody and stops nothing (a cron job's empty list);
    # several domains in one cell, one a line as some CRMs export them, are each read.
    placeholder = tmp_path / "later.txt"
    placeholder.write_text("# customers go here\n")
    assert (
        run_cli("search", "--sandbox", "--limit", "1", "--suppress", str(placeholder)).exit_code
        == 0
    )
    several = tmp_path / "several.csv"
    several.write_text('Domain,Name\n"pixelhealth.test\ngranitepartners.example.com",Two\n')
    from clodura_cli.suppress import load

    loaded = load([str(several)])
    assert loaded is not None and loaded.domains == {
        "pixelhealth.test",
        "granitepartners.example.com",
    }
    # Read, once what a paste or a CSV left around each entry is taken off.
    pasted = tmp_path / "dnc.txt"
    pasted.write_text('"pixelhealth.test,\ngranitepartners.example.com",\n')
    rows = run_cli("search", "--sandbox", "--limit", "40", "-f", "jsonl").jsonl()
    kept = run_cli("search", "--sandbox", "--limit", "40", "-f", "jsonl", "--suppress", str(pasted))
    assert kept.exit_code == 0, kept.stderr
    dropped = {"pixelhealth.test", "granitepartners.example.com"}

    def domains(record: dict[str, Any]) -> set[str]:
        value = record.get("companyDomain") or []
        return {value} if isinstance(value, str) else set(value)

    assert any(dropped & domains(r) for r in rows)  # the list names someone of the search
    assert kept.jsonl() and not any(dropped & domains(r) for r in kept.jsonl())


def test_a_profile_listed_in_one_spelling_is_suppressed_in_any_other(tmp_path: Path) -> None:
    listed = tmp_path / "do-not-contact.txt"
    listed.write_text("https://www.linkedin.com/in/j%C3%B6rg-m%C3%BCller/\n"
                      "https://www.linkedin.com/in/ann%2Dlee/\n")  # fmt: skip
    suppression = load([str(listed)])
    assert suppression is not None
    for url in (
        "https://www.linkedin.com/in/jörg-müller",
        "linkedin.com/in/JO\u0308RG-MU\u0308LLER/",
        "https://de.linkedin.com/in/ann-lee/de/",
        "https://www.linkedin.com/in/ann-lee?x=1",
    ):
        assert suppression.matches({"linkedinUrl": url}), url
    assert not suppression.matches({"linkedinUrl": "https://www.linkedin.com/in/ann-leem/"})


SAME = [
    ("https://www.linkedin.com/in/j%C3%B6rg/", "LINKEDIN.COM/in/Jo\u0308rg"),
    ("https://www.linkedin.com/in/miguel-o'brien/", "https://linkedin.com/in/miguel-o%27brien"),
    ("https://www.linkedin.com/company/acme-co/", "https://uk.linkedin.com/company/acme%2Dco#x"),
]
DIFFERENT = [
    ("https://www.linkedin.com/in/ann/", "https://www.linkedin.com/in/ann%2Fde"),  # a / escaped
    ("https://www.linkedin.com/in/ann/", "https://www.linkedin.com/in/ann%3Fx"),  # a ? escaped
    ("https://www.linkedin.com/in/x/", "https://linkedin.com.evil.example/in/x"),
    ("https://www.linkedin.com/in/j%C3%B6rg/", "https://www.linkedin.com/in/j%F6rg/"),  # Latin-1
    ("https://www.linkedin.com/company/acme/de/", "https://www.linkedin.com/company/acme/"),
]


@pytest.mark.parametrize(("one", "other"), SAME)
def test_one_spelling_for_every_way_of_writing_a_url(one: str, other: str) -> None:
    from clodura_cli.api.linkedin import normal_linkedin

    assert normal_linkedin(other) == normal_linkedin(one) == one


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_two_profiles_never_share_a_spelling(one: str, other: str) -> None:
    from clodura_cli.api.linkedin import normal_linkedin

    assert normal_linkedin(one) != normal_linkedin(other)


_SLUG = st.text(alphabet="abcAB-_.%2dC3Öö/?#~'é", min_size=1, max_size=12)


@settings(max_examples=300)
@given(st.sampled_from(["https://www.", "http://", "", "https://uk.", "HTTPS://WWW."]),
       st.sampled_from(["in", "company", "IN"]), _SLUG, st.sampled_from(["", "/", "/de/", "?x=1"]))  # fmt: skip
def test_the_spelling_of_a_spelling_is_itself(host: str, kind: str, slug: str, tail: str) -> None:
    """Sending and keying by the canonical spelling holds only if it is its own spelling (the
    quick path for URLs already canonical agrees with the full one)."""
    from clodura_cli.api.linkedin import normal_linkedin

    once = normal_linkedin(f"{host}linkedin.com/{kind}/{slug}{tail}")
    assert once is not None and normal_linkedin(once) == once


def test_a_suppression_list_drawn_as_a_table_is_refused_naming_the_flag(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    table = run_cli("search", "--sandbox", "--limit", "2", "-f", "table")
    listed = tmp_path / "dnc.txt"
    listed.write_text(table.stdout)
    emulator.log.clear()
    result = run_cli("reveal", "email", "--sandbox", "1877055212287098270", "--suppress",
                     str(listed))  # fmt: skip
    assert result.exit_code == 2
    assert "--suppress: this is a table drawn for a terminal" in result.stderr
    assert emulator.log == []

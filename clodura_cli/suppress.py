"""--suppress FILE: people and companies never to pay for again (a CRM's suppression list).

A file holds emails, domains, LinkedIn URLs or person ids, one a line, or is any CSV / JSON
Lines / JSON array whose columns name them (``Email``, ``E-mail Address``, ``LinkedIn URL``,
``Person ID``, ``Domain``, ``Website``: compared ignoring case, spaces and punctuation). Emails
and URLs are compared normalised: case, ``www.``, a trailing ``/``, an email's ``+tag``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from clodura_cli.api.errors import UsageError
from clodura_cli.api.linkedin import normal_linkedin
from clodura_cli.base.text import column_key
from clodura_cli.inputs import damaged_id, parse_rows, plain_value, read_input

_COLUMNS = {
    "email": ("email", "emailAddress", "workEmail", "e-mail"),
    "linkedin": ("linkedinUrl", "linkedin", "linkedinProfile", "linkedinProfileUrl"),
    "person": ("personId", "person", "contactId"),
    "domain": ("domain", "website", "companyDomain", "companyWebsite", "emailDomain"),
}
_RECORD_DOMAINS = ("companyDomain", "domain", "website", "organisationDomain")


_BY_PLAIN = {column_key(name): kind for kind, names in _COLUMNS.items() for name in names}


def normal_email(value: Any) -> str | None:
    """An email as compared: lower case, without a ``+tag``."""
    text = str(value or "").strip().lower()
    if text.count("@") != 1:
        return None
    local, domain = text.split("@")
    return f"{local.split('+')[0]}@{domain}" if local and "." in domain else None


def normal_domain(value: Any) -> str | None:
    """A domain as compared: no scheme, ``www.``, path or port; lower case."""
    text = str(value or "").strip().lower()
    text = re.sub(r"^[a-z]+://", "", text).split("/")[0].split(":")[0]
    text = text.removeprefix("www.")
    return text if "." in text and " " not in text else None


@dataclass
class Suppression:
    """The union of the suppression files given."""

    emails: set[str] = field(default_factory=set)
    linkedin: set[str] = field(default_factory=set)
    people: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)
    #: Entries read, and lines that named nothing usable (or a damaged id).
    entries: int = 0
    ignored: int = 0
    #: Person ids a spreadsheet damaged (2.15846224800326E+018): they match nobody.
    damaged: int = 0

    def warnings(self) -> list[str]:
        """What the user must know of the lists given: the people they cannot suppress."""
        said = []
        if self.damaged:
            said.append(
                f"--suppress: {self.damaged} person id(s) were damaged by a spreadsheet "
                "(2.15846224800326E+018, digits after the 15th zeros) and suppress nobody; export "
                "the ids as text, or list emails or LinkedIn URLs"
            )
        if not self.entries:
            said.append(
                "--suppress: the lists name no email, domain, LinkedIn URL or person id: they "
                "suppress nobody"
            )
        return said

    def add(self, kind: str, value: Any) -> None:
        """One entry of a known kind (``_entry_text``); an unusable one is counted as
        ignored."""
        text = _entry_text(value)
        normal = _normal(kind, text)
        if normal is None:
            if kind == "person" and text:
                self.damaged += 1
            self.ignored += 1
            return
        target = {"email": self.emails, "linkedin": self.linkedin, "person": self.people}
        target.get(kind, self.domains).add(normal)
        self.entries += 1

    def add_plain(self, value: str) -> None:
        """One bare line: what it is, by what it looks like."""
        text = value.strip()
        if "@" in text:
            self.add("email", text)
        elif "linkedin.com" in text.lower():
            self.add("linkedin", text)
        elif text.isdigit() or damaged_id(text):
            self.add("person", text)
        else:
            self.add("domain", text)

    def matches(self, record: dict[str, Any]) -> bool:
        """True when the record names a suppressed person, email or company domain."""
        plain = {column_key(str(k)): v for k, v in record.items()}
        email = normal_email(plain.get("email"))
        if email and (email in self.emails or email.split("@")[1] in self.domains):
            return True
        url = plain.get("linkedinurl")
        if url and normal_linkedin(str(url)) in self.linkedin:
            return True
        person = plain.get("personid")
        if person is not None and str(person) in self.people:
            return True
        for name in _RECORD_DOMAINS:
            for value in _listed(plain.get(column_key(name))):
                if normal_domain(value) in self.domains:
                    return True
        return False


def _normal(kind: str, text: str) -> str | None:
    """An entry of ``kind`` as compared, or None for one that names nobody (a person id a
    spreadsheet damaged too)."""
    if kind == "email":
        return normal_email(text)
    if kind == "linkedin":
        return normal_linkedin(text)
    if kind == "person":
        return text if text and damaged_id(text) is None else None
    return normal_domain(text)


def _entry_text(value: Any) -> str:
    """An entry's text, without the quotes a CSV left around it (one not closed too) and a
    pasted list's comma."""
    return str(value or "").strip().strip("\"'\u201c\u201d\u2018\u2019").rstrip(",;").strip()


def _reads_as(kind: str, value: str) -> bool:
    """A value one entry of ``kind`` can be made of."""
    return _normal(kind, _entry_text(value)) is not None


def _only_comments(text: str) -> bool:
    """A list kept as a placeholder: nothing but # comments (and blank lines)."""
    return all(line.lstrip().startswith("#") for line in text.splitlines() if line.strip())


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def load(paths: Iterable[str]) -> Suppression | None:
    """The suppression of every file given (None for none); a file that cannot be read is a
    usage error, before anything is sent."""
    files = list(paths)
    if not files:
        return None
    suppression = Suppression()
    for name in files:
        if name == "-":
            raise UsageError("--suppress: give a file; standard input is for --input")
        text = read_input(name, None, "--suppress").text
        parsed = parse_rows(
            text,
            lambda cells: any(column_key(c) in _BY_PLAIN for c in cells),
            "--suppress",
        )
        before, broken = suppression.entries, suppression.damaged
        for label, record in parsed.rows:
            value = plain_value(record)
            if value is not None:
                # A bare line (or a one-column file): what it is, by what it looks like.
                suppression.add_plain(value)
                continue
            known = [(kind, v) for k, v in record.items() if (kind := _BY_PLAIN.get(column_key(k)))]
            for kind, value in known:
                for each in _listed(value):
                    lines = [p for p in str(each or "").strip().split("\n") if p.strip()]
                    if len(lines) > 1 and not all(_reads_as(kind, line) for line in lines):
                        raise UsageError(  # a quote not closed took the next rows in
                            f"--suppress {name}: {label}: its {kind} holds a line break (a "
                            "quote not closed?); nothing sent: fix the file"
                        )
                    for line in lines:  # several in one cell, as some CRMs export them
                        suppression.add(kind, line)
        if (
            suppression.entries == before
            and (parsed.rows or parsed.problems)
            and not _only_comments(text)
        ):
            damaged = suppression.damaged - broken
            why = (f" (its {damaged} person id(s) were damaged by a spreadsheet: export them "
                   "as text)" if damaged else "")  # fmt: skip
            raise UsageError(
                f"--suppress {name}: no line of it names an email, domain, LinkedIn URL or "
                f"person id that can be read{why}; nothing sent: fix the file (or leave it out)"
            )
    return suppression

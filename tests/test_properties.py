"""Property-based tests: page plans, ordered concurrent fetching, filter validation, CSV cells."""

from __future__ import annotations

import csv
import io
import random
import re
import threading
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clodura_cli.api import spec
from clodura_cli.api.errors import ValidationError
from clodura_cli.api.filters import build_search_body, canonical_choice
from clodura_cli.api.paging import PageRequest, fetch_in_order, plan_limit
from clodura_cli.store.formats import CsvWriter

# Hundreds of generated inputs a test: `make test` runs them, `make test-fast` does not.
pytestmark = pytest.mark.slow

valid_start = st.builds(lambda p, s: (p - 1) * s, st.integers(1, 100), st.integers(1, 100))


@settings(max_examples=300, deadline=None)
@given(start=valid_start, limit=st.integers(1, 12_000))
def test_a_limit_plan_tiles_its_range_and_never_passes_the_limit(start: int, limit: int) -> None:
    plan = plan_limit(start, limit)
    cursor = start
    for page in plan.pages:
        assert 1 <= page.page <= spec.MAX_PAGE
        assert 1 <= page.per_page <= spec.MAX_PER_PAGE
        assert page.offset == cursor
        cursor += page.per_page
    target = min(start + limit, spec.RESULT_WINDOW)
    assert cursor <= start + limit
    assert cursor == target - plan.shortfall
    assert plan.records == cursor - start
    assert plan.beyond_window == start + limit - target


@settings(max_examples=200, deadline=None)
@given(pages=st.integers(1, 100), size=st.integers(1, 100))
def test_a_limit_that_paging_can_reach_is_fetched_exactly(pages: int, size: int) -> None:
    plan = plan_limit(0, pages * size)
    assert plan.shortfall == 0
    assert plan.records == pages * size
    assert len(plan.pages) <= pages


def test_a_limit_plan_uses_few_requests() -> None:
    assert len(plan_limit(0, 10_000).pages) == 100
    assert len(plan_limit(0, 1_000).pages) == 10
    assert len(plan_limit(0, 250).pages) == 3


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 5), min_size=1, max_size=12),
    concurrency=st.integers(1, 6),
    seed=st.integers(0, 1000),
)
def test_concurrent_pages_come_back_in_order_and_stop_after_a_short_one(
    sizes: list[int], concurrency: int, seed: int
) -> None:
    jitter = random.Random(seed)
    delays = [jitter.uniform(0, 0.003) for _ in sizes]
    fetched: list[int] = []
    lock = threading.Lock()

    def fetch(page: PageRequest) -> list[dict[str, Any]]:
        time.sleep(delays[page.page - 1])
        with lock:
            fetched.append(page.page)
        return [{"page": page.page, "n": n} for n in range(sizes[page.page - 1])]

    pages = [PageRequest(n, 5) for n in range(1, len(sizes) + 1)]
    got = [page.page for page, _ in fetch_in_order(fetch, pages, concurrency)]
    first_short = next((i + 1 for i, size in enumerate(sizes) if size < 5), len(sizes))
    assert got == list(range(1, first_short + 1))
    # Never more requests past the short page than the reorder window (2 x concurrency) allows.
    assert len(fetched) <= first_short + 2 * concurrency - 1


def test_an_error_surfaces_after_the_pages_before_it() -> None:
    def fetch(page: PageRequest) -> list[dict[str, Any]]:
        if page.page == 3:
            raise ValidationError("x", "boom")
        return [{}] * page.per_page

    seen = []
    with pytest.raises(ValidationError):
        for page, _ in fetch_in_order(fetch, [PageRequest(n, 2) for n in range(1, 6)], 3):
            seen.append(page.page)
    assert seen == [1, 2]


def spellings(choice: str) -> st.SearchStrategy[str]:
    """The same value typed in other cases and with other spacing."""
    return st.builds(
        lambda flips, pad: (
            pad
            + "".join(
                c.upper() if f else c.lower()
                for c, f in zip(choice.replace(" ", ""), flips, strict=False)
            )
            + pad
        ),
        st.lists(st.booleans(), min_size=len(choice), max_size=len(choice)),
        st.sampled_from(["", " ", "  "]),
    )


CLOSED = [f for f in spec.SEARCH_FIELDS if f.choices]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_closed_values_match_in_any_case_and_spacing(data: st.DataObject) -> None:
    field = data.draw(st.sampled_from(CLOSED))
    choice = data.draw(st.sampled_from(field.choices))
    typed = data.draw(spellings(choice))
    assert canonical_choice(typed.strip(), field.choices, field.flag) == choice


@settings(max_examples=500, deadline=None)
@given(text=st.text(max_size=20))
def test_any_text_is_canonical_or_a_validation_error(text: str) -> None:
    try:
        value = canonical_choice(text, spec.EMPLOYEE_SIZES, "--employees")
    except ValidationError as exc:
        assert exc.message.startswith("--employees: ")
        assert "accepted: 0 - 1" in exc.message
    else:
        assert value in spec.EMPLOYEE_SIZES


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=500, deadline=None)
@given(values=st.dictionaries(st.sampled_from([f.api for f in spec.SEARCH_FIELDS]), json_values))
def test_any_filter_values_give_a_body_or_a_validation_error(values: dict[str, Any]) -> None:
    try:
        request = build_search_body(values)
    except ValidationError as exc:
        assert exc.message.startswith(("--", "includeSimilarTitles"))
    else:
        for name, value in request.body.items():
            assert value not in (None, [], "")
            assert name in values


@settings(max_examples=300, deadline=None)
@given(
    records=st.lists(
        st.fixed_dictionaries(
            {
                "personId": st.text(max_size=8),
                "seniority": st.lists(st.text(max_size=6), max_size=3),
            }
        ),
        max_size=5,
    )
)
def test_csv_round_trips_and_neutralises_formulas(records: list[dict[str, Any]]) -> None:
    stream = io.StringIO()
    writer = CsvWriter(stream, ["personId", "seniority"])
    for record in records:
        writer.write(record)
    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    if not records:
        assert rows == []
        return
    assert rows[0] == ["personId", "seniority"]
    for record, row in zip(records, rows[1:], strict=True):
        assert row == [
            expected_cell(record["personId"]),
            expected_cell("; ".join(record["seniority"])),
        ]


#: A negative number: a value to a spreadsheet, written without the guard.
NEGATIVE_NUMBER = re.compile(r"-(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")


def expected_cell(text: str) -> str:
    """What a spreadsheet-safe CSV cell holds: formulas quoted, line breaks as \\n."""
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not NEGATIVE_NUMBER.fullmatch(text):
        text = "'" + text
    return text.replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=500, deadline=None)
@given(text=st.text())
def test_the_sandbox_splits_titles_into_words_where_isalnum_says(text: str) -> None:
    """Its titles and the titles searched for are compared word by word: a word is a run of
    what str.isalnum calls a letter or digit, lower-cased, whatever else separates them."""
    from clodura_cli.sandbox.data import words_of

    by_character = "".join(ch if ch.isalnum() else " " for ch in text.lower()).split()
    assert words_of(text) == by_character


#: What the controls checks were written as: the regular expressions they replace.
_OLD_ANY_CONTROL = "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
_OLD_CONTROLS = (
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)
_OLD_ESCAPES = r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?"
_OLD_UNSAFE_IN_JSON = "[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
#: Text rich in what those checks look for, and in what lies just beside it.
_TRICKY = st.text(
    st.sampled_from([*map(chr, range(0x00, 0x22)), *map(chr, range(0x7D, 0xA2)),
                     *"\u061b\u061c\u061d\u200d\u200e\u200f\u2027\u2028\u2029\u202a\u202e\u202f",
                     *"\u2065\u2066\u2069\u206a[]0;m\x07\\é漢 "]),
    max_size=40,
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(text=_TRICKY)
def test_the_controls_checks_find_what_their_regular_expressions_found(text: str) -> None:
    import json
    import re

    from clodura_cli.base.text import has_controls, printable
    from clodura_cli.store.formats import json_text

    assert has_controls(text) == (re.search(_OLD_ANY_CONTROL, text) is not None)
    assert printable(text) == re.sub(_OLD_CONTROLS, "", re.sub(_OLD_ESCAPES, "", text))
    raw = json.dumps({"a": text}, ensure_ascii=False)
    old = re.sub(_OLD_UNSAFE_IN_JSON, lambda m: f"\\u{ord(m.group()):04x}", raw)
    assert json_text({"a": text}) == old
    assert json.loads(json_text({"a": text})) == {"a": text}


def test_every_column_puts_back_an_order_the_rows_agree_on() -> None:
    from clodura_cli.store.cells import every_column

    # Rows of one CSV without their blank cells: the header's order comes back.
    assert every_column([{"a": 1, "c": 1}, {"a": 1, "b": 1, "c": 1}, {"d": 1}]) == list("abcd")
    # Rows that disagree: each name once, the earliest seen first; the paging echo left out.
    assert every_column([{"x": 1, "y": 1, "page": 1}, {"y": 1, "x": 1, "z": 1}]) == list("xyz")
    assert every_column([]) == []


@given(
    st.permutations("abcdefg"),
    st.lists(st.lists(st.booleans(), min_size=7, max_size=7), max_size=8),
)
def test_every_column_keeps_the_order_of_rows_cut_from_one_header(
    header: list[str], masks: list[list[bool]]
) -> None:
    """Rows that each leave some cells of one header out (blank cells): every field once,
    each row's fields in that row's order."""
    from clodura_cli.store.cells import every_column

    rows = [[name for name, kept in zip(header, mask, strict=True) if kept] for mask in masks]
    order = every_column([dict.fromkeys(row, 1) for row in rows])
    assert sorted(order) == sorted({name for row in rows for name in row})
    assert all([name for name in order if name in row] == row for row in rows)

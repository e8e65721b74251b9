"""Presets: validation with file and key named, merge order, relative dates, round trips, cron."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from helpers import pages_requested, run_cli, sent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clodura_cli.api import filters, spec
from clodura_cli.sandbox.app import SandboxApp


@pytest.fixture
def presets_dir(isolated: Path) -> Path:
    folder = isolated / "config" / "presets"
    folder.mkdir(parents=True)
    return folder


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("seniority: [CEO\nfoo: 1\n", ["invalid YAML at line 2"]),
        ("- CEO\n- CTO\n", ["a preset is a mapping", "not a list"]),
        ("funded-from: 2024-01-01\n", ["'funded-from' is not a Search People field", "did you mean 'fundingFromDate'"]),
        ("senority: [CEO]\n", ["did you mean 'seniority'"]),
        ("perPage: ten\n", ["perPage: 'ten' is not a whole number"]),
        ("seniority: {CEO: yes}\n", ["seniority:", "is not a list of values"]),
        ("companyEmployeeSize: 51-201\n", ["companyEmployeeSize: '51-201' is not an accepted value", "did you mean '51 - 200'"]),
        ("fundingFromDate: 2024-02-30\n", ["fundingFromDate: '2024-02-30' is not a real date"]),
        ("companyDomain: sales@acme.com\n", ["companyDomain: 'sales@acme.com' is not a bare domain"]),
        ("includeAllOffice: yes\n", ["includeAllOffice: needs a company location"]),
        ("personLocationExclude: 'true'\n", ["personLocationExclude: 'true' is not true or false"]),
        ("description: [not, text]\n", ["description must be text"]),
    ],
)  # fmt: skip
def test_each_kind_of_mistake_names_the_file_and_key(
    presets_dir: Path, emulator: SandboxApp, text: str, fragments: list[str]
) -> None:
    path = write(presets_dir, "bad", text)
    result = run_cli("search", "--sandbox", "--preset", "bad")
    assert result.exit_code == 2, result.stderr
    [line] = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert str(path) in line
    for fragment in fragments:
        assert fragment in line
    assert "Traceback" not in result.stderr
    assert emulator.log == []


def test_an_unknown_preset_says_so(presets_dir: Path) -> None:
    result = run_cli("search", "--preset", "nope")
    assert result.exit_code == 2
    assert "nope.yaml: no such preset file" in result.stderr


def test_a_scalar_is_taken_as_a_one_element_array(presets_dir: Path, emulator: SandboxApp) -> None:
    write(presets_dir, "one", "seniority: ceo\ncompanyEmployeeSize: 51-200\nperPage: 5\n")
    assert run_cli("search", "--sandbox", "--preset", "one").exit_code == 0
    assert sent(emulator) == [
        {"seniority": ["CEO"], "companyEmployeeSize": ["51 - 200"], "page": 1, "perPage": 5}
    ]


def test_merge_order_presets_then_files_then_flags(
    presets_dir: Path, tmp_path: Path, emulator: SandboxApp
) -> None:
    write(presets_dir, "base", "seniority: [CEO]\npersonTitle: [founder]\nrevenue: [1B+]\n")
    write(presets_dir, "later", "seniority: [CXO, Director]\nperPage: 10\n")
    repo_file = tmp_path / "team-filters.yaml"
    repo_file.write_text("revenue: ['< 1M']\ncompanyEmployeeSize: ['2 - 10']\n")
    result = run_cli(
        "search", "--sandbox", "--preset", "base", "--preset", "later",
        "--filters", str(repo_file), "--title", "cto", "--title", "cfo",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert sent(emulator) == [
        {
            "seniority": ["CXO", "Director"],
            "personTitle": ["cfo", "cto"],  # in one order, however given
            "revenue": ["< 1M"],
            "perPage": 10,
            "companyEmployeeSize": ["2 - 10"],
            "page": 1,
        }
    ]


def test_dry_run_shows_the_merged_request(presets_dir: Path) -> None:
    write(presets_dir, "p", "seniority: [CEO]\n")
    preview = json.loads(
        run_cli("search", "--preset", "p", "--country", "India", "--dry-run").stdout
    )
    assert preview["body"] == {
        "seniority": ["CEO"],
        "personCountry": ["India"],
        "page": 1,
        "perPage": 25,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", "2026-03-31"),
        ("yesterday", "2026-03-30"),
        ("-90d", "2025-12-31"),
        ("-2w", "2026-03-17"),
        ("-1m", "2026-02-28"),
        ("-13m", "2025-02-28"),
        ("-1y", "2025-03-31"),
        ("2024-02-29", "2024-02-29"),
    ],
)
def test_relative_dates_resolve_against_a_frozen_clock(
    presets_dir: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    monkeypatch.setattr(filters, "today", lambda: dt.date(2026, 3, 31))
    flag = json.loads(run_cli("search", "--funded-from", text, "--dry-run").stdout)
    assert flag["body"]["fundingFromDate"] == expected
    write(presets_dir, "rel", f"fundingToDate: '{text}'\n")
    from_preset = json.loads(run_cli("search", "--preset", "rel", "--dry-run").stdout)
    assert from_preset["body"]["fundingToDate"] == expected


def test_a_saved_preset_keeps_relative_dates_relative(
    presets_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli("preset", "save", "recent", "--funded-from", "-30d").exit_code == 0
    assert "fundingFromDate: -30d" in (presets_dir / "recent.yaml").read_text()
    monkeypatch.setattr(filters, "today", lambda: dt.date(2026, 1, 31))
    first = json.loads(run_cli("preset", "show", "recent", "--resolve").stdout)
    monkeypatch.setattr(filters, "today", lambda: dt.date(2026, 3, 1))
    second = json.loads(run_cli("preset", "show", "recent", "--resolve").stdout)
    assert (first["fundingFromDate"], second["fundingFromDate"]) == ("2026-01-01", "2026-01-30")


def test_save_show_and_search_send_the_same_body(presets_dir: Path, emulator: SandboxApp) -> None:
    flags = ["--seniority", "cxo", "--employees", "51-200", "--title", "cfo", "--exact-titles",
             "--domain", "Acme.com", "--per-page", "50", "--exclude-viewed"]  # fmt: skip
    saved = run_cli("preset", "save", "cfos", *flags, "--description", "CFOs")
    assert saved.exit_code == 0, saved.stderr
    shown = json.loads(run_cli("preset", "show", "cfos", "--resolve").stdout)
    run_cli("search", "--sandbox", "--preset", "cfos")
    run_cli("search", "--sandbox", *flags)
    from_preset, from_flags = sent(emulator)
    assert shown == from_preset == from_flags
    listed = run_cli("preset", "list").stdout
    assert listed == "cfos\tsearch\t7 filters\tCFOs\n"
    assert run_cli("preset", "save", "software", "--orgs", "--domain", "acme.com").exit_code == 0
    assert run_cli("preset", "list").stdout.splitlines() == [
        "cfos\tsearch\t7 filters\tCFOs",
        "software\torgs\t1 filter\t",
    ]


def test_save_refuses_to_overwrite_without_force_and_needs_a_filter(presets_dir: Path) -> None:
    run_cli("preset", "save", "p", "--seniority", "CEO")
    again = run_cli("preset", "save", "p", "--seniority", "Director")
    assert again.exit_code == 2 and "add --force" in again.stderr
    assert run_cli("preset", "save", "p", "--seniority", "CXO", "--force").exit_code == 0
    assert "- CXO" in (presets_dir / "p.yaml").read_text()
    empty = run_cli("preset", "save", "q")
    assert empty.exit_code == 2 and "at least one search filter" in empty.stderr
    bad = run_cli("preset", "save", "q", "--employees", "51-201")
    assert bad.exit_code == 2 and "--employees: '51-201'" in bad.stderr


def test_show_delete_and_path(presets_dir: Path) -> None:
    run_cli("preset", "save", "p", "--seniority", "CEO")
    assert run_cli("preset", "show", "p").stdout == "seniority:\n- CEO\n"
    assert run_cli("preset", "path").stdout == f"{presets_dir}\n"
    assert run_cli("preset", "delete", "p").exit_code == 0
    assert not (presets_dir / "p.yaml").exists()
    assert run_cli("preset", "delete", "p").exit_code == 2


@pytest.mark.slow
def test_edit_validates_after_saving(
    presets_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    run_cli("preset", "save", "p", "--seniority", "CEO")
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nprintf 'seniority: [Boss]\\n' > \"$1\"\n")
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    drafts = tmp_path / "temp"  # where the kept draft goes, not the system's temporary folder
    drafts.mkdir()
    monkeypatch.setenv("TMPDIR", str(drafts))
    monkeypatch.setattr("tempfile.tempdir", None)
    before = (presets_dir / "p.yaml").read_text()
    result = run_cli("preset", "edit", "p")
    assert result.exit_code == 2
    assert "seniority: 'Boss' is not an accepted value" in result.stderr
    assert "preset 'p' left as it was (your edit is in " in result.stderr
    [kept] = drafts.glob("clodura-preset-*/p.yaml")  # the user's edit is not lost
    assert kept.read_text() == "seniority: [Boss]\n"
    assert (presets_dir / "p.yaml").read_text() == before  # the invalid version is not kept
    assert [p.name for p in presets_dir.iterdir()] == ["p.yaml"]
    editor.write_text("#!/bin/sh\nprintf 'seniority: [Director]\\n' > \"$1\"\n")
    assert run_cli("preset", "edit", "p").stderr == "preset 'p' is valid\n"
    assert (presets_dir / "p.yaml").read_text() == "seniority: [Director]\n"


@pytest.mark.parametrize(
    ("editor", "why"),
    [
        ("no-such-editor-here", "No such file or directory"),
        ("vim 'unclosed", "No closing quotation"),
    ],
)
def test_an_editor_that_cannot_run_is_a_usage_error(
    presets_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, editor: str, why: str
) -> None:
    """It was reported as a disk error ("check free disk space"), exit 1."""
    run_cli("preset", "save", "p", "--seniority", "CEO")
    before = (presets_dir / "p.yaml").read_bytes()
    monkeypatch.setenv("VISUAL", editor)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    result = run_cli("preset", "edit", "p")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: preset edit: cannot run the editor {editor!r} ({why}); set $VISUAL or $EDITOR "
        "to one that exists (EDITOR=nano); preset left as it was\n"
    )
    assert (presets_dir / "p.yaml").read_bytes() == before
    assert list(tmp_path.glob("clodura-preset-*")) == []  # no draft left behind


def test_new_only_prints_only_people_not_printed_before(
    presets_dir: Path, emulator: SandboxApp
) -> None:
    write(presets_dir, "ceos", "seniority: [CEO]\n")
    first = run_cli("search", "--sandbox", "--preset", "ceos", "--new-only", "--limit", "30")
    assert len(first.jsonl()) == 30
    emulator.log.clear()
    second = run_cli("search", "--sandbox", "--preset", "ceos", "--new-only", "--limit", "50")
    ids_first = {r["personId"] for r in first.jsonl()}
    ids_second = [r["personId"] for r in second.jsonl()]
    # The next 50 people not printed before: pages past the 30 seen, one after another, and
    # no page after the one that completes them.
    assert len(ids_second) == 50 and not ids_first & set(ids_second)
    assert pages_requested(emulator) == [(1, 50), (2, 50)]
    assert "50 new of 100 found; 30 seen before skipped" in second.stderr
    forgotten = run_cli("search", "--sandbox", "--preset", "ceos", "--new-only", "--forget")
    assert "forgot 80 people seen for preset:ceos" in forgotten.stderr
    again = run_cli("search", "--sandbox", "--preset", "ceos", "--new-only", "--limit", "30")
    assert {r["personId"] for r in again.jsonl()} == ids_first
    # Another profile, or the same filters without the preset, is another history.
    assert run_cli("config", "set", "--profile", "x", "per-page", "25").exit_code == 0
    other = run_cli(
        "search", "--sandbox", "--preset", "ceos", "--new-only", "--limit", "5", "--profile", "x"
    )
    assert len(other.jsonl()) == 5


def test_new_only_with_dry_run_records_nothing(presets_dir: Path, emulator: SandboxApp) -> None:
    query = ("search", "--sandbox", "--seniority", "CEO", "--limit", "5")
    first_five = [r["personId"] for r in run_cli(*query).jsonl()]
    emulator.log.clear()
    dry = run_cli(*query, "--new-only", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert emulator.log == []
    # Had the dry run remembered anyone, these would be the next five.
    assert [r["personId"] for r in run_cli(*query, "--new-only").jsonl()] == first_five


def test_new_only_records_nothing_when_the_run_fails(
    presets_dir: Path, emulator: SandboxApp
) -> None:
    from clodura_cli.sandbox.faults import Faults, ScriptedFault

    query = ("search", "--sandbox", "--seniority", "CEO", "--limit", "150")
    first = [r["personId"] for r in run_cli(*query).jsonl()]
    emulator.set_faults(Faults(script=[ScriptedFault.parse("400@search+1")]))
    failed = run_cli(*query, "--new-only", "-f", "jsonl")
    assert failed.exit_code == 6
    printed = len(failed.jsonl())
    assert printed > 0  # the first page went to stdout before the error
    assert f"--new-only: {printed} record(s) printed before the error are not remembered" in (
        failed.stderr
    )
    # Had the failed run remembered its first page, these would start after it.
    assert [r["personId"] for r in run_cli(*query, "--new-only").jsonl()] == first


# Properties ---------------------------------------------------------------------------------

closed = [f for f in spec.SEARCH_FIELDS if f.choices]
text = st.text(
    st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="=,"),
    min_size=1,
    max_size=10,
).filter(lambda value: not value.startswith("-"))  # "-q" after a flag is an option, not a value


@st.composite
def flag_sets(draw: st.DrawFn) -> list[str]:
    args: list[str] = []
    for fld in draw(st.lists(st.sampled_from(spec.SEARCH_FIELDS), max_size=6, unique=True)):
        flag = fld.flag.split("/")[0]
        if fld.kind is spec.Kind.BOOL or fld.api in ("personLocationExclude", "includeAllOffice"):
            continue
        if fld.kind is spec.Kind.INT:
            args += [flag, str(draw(st.integers(1, 100)))]
        elif fld.kind is spec.Kind.DATE:
            args += [flag, draw(st.sampled_from(["today", "-30d", "2024-01-31", "-2y"]))]
        elif fld.choices:
            args += [flag, draw(st.sampled_from(fld.choices))]
        elif fld.api == "companyDomain":
            args += [flag, draw(st.sampled_from(["acme.com", "clodura.ai"]))]
        elif fld.api == "linkedinUrl":
            args += [flag, "https://www.linkedin.com/in/someone/"]
        else:
            args += [flag, draw(text)]
    return args


@pytest.mark.slow  # generated inputs by the hundred
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(args=flag_sets())
def test_any_saved_preset_loads_back_to_the_same_body(presets_dir: Path, args: list[str]) -> None:
    dates = ("--funded-from", "--funded-to")
    if all(d in args for d in dates):
        return  # a random pair may be out of order: that is a validation error, tested elsewhere
    saved = run_cli("preset", "save", "prop", "--force", "--seniority", "CEO", *args)
    assert saved.exit_code == 0, saved.stderr
    shown = json.loads(run_cli("preset", "show", "prop", "--resolve").stdout)
    direct = json.loads(run_cli("search", "--seniority", "CEO", *args, "--dry-run").stdout)["body"]
    assert shown == direct


yaml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=15)
    | st.dates().map(str),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@pytest.mark.slow  # generated inputs by the hundred
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    document=st.one_of(
        st.text(max_size=80),
        st.dictionaries(
            st.sampled_from([f.api for f in spec.SEARCH_FIELDS] + ["description", "x"]),
            yaml_values,
            max_size=5,
        ).map(yaml.safe_dump),
    )
)
def test_random_yaml_never_produces_a_traceback(tmp_path: Path, document: str) -> None:
    path = tmp_path / "random.yaml"
    path.write_text(document, encoding="utf-8")
    result = run_cli("search", "--filters", str(path), "--dry-run")
    assert result.exit_code in (0, 2), result.stderr
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert result.stderr.startswith("error: ") or "warning:" in result.stderr


def test_a_request_keeps_filters_and_paging_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(filters, "today", lambda: dt.date(2026, 3, 31))
    request = filters.build_search_body(
        {"perPage": 50, "fundingFromDate": "-1m", "seniority": "cxo", "page": None}
    )
    assert request.paging == filters.Paging(page=None, per_page=50)
    assert request.filters == {"fundingFromDate": "-1m", "seniority": ["CXO"]}
    assert request.body == {"fundingFromDate": "2026-02-28", "seniority": ["CXO"]}
    assert request.as_given() == {"perPage": 50, "fundingFromDate": "-1m", "seniority": ["CXO"]}


def test_saving_over_a_preset_of_the_other_kind_says_so(presets_dir: Path) -> None:
    assert run_cli("preset", "save", "cfo", "--seniority", "CXO").exit_code == 0
    flipped = run_cli("preset", "save", "cfo", "--orgs", "--domain", "acme.com", "--force")
    assert flipped.exit_code == 0, flipped.stderr
    assert "warning: preset 'cfo' was for `clodura search`; it is now for `clodura orgs`" in (
        flipped.stderr
    )
    same = run_cli("preset", "save", "cfo", "--orgs", "--domain", "globex.com", "--force")
    assert "warning" not in same.stderr


def test_an_aborted_edit_leaves_the_preset_and_no_draft(
    presets_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    run_cli("preset", "save", "p", "--seniority", "CEO")
    before = (presets_dir / "p.yaml").read_text()
    drafts = tmp_path / "temp"
    drafts.mkdir()
    monkeypatch.setenv("TMPDIR", str(drafts))
    monkeypatch.setattr("tempfile.tempdir", None)  # tempfile reads TMPDIR again
    monkeypatch.setenv("EDITOR", "false")
    result = run_cli("preset", "edit", "p")
    assert result.exit_code == 2
    assert "the editor exited with status 1; preset left as it was" in result.stderr
    assert (presets_dir / "p.yaml").read_text() == before
    assert list(drafts.iterdir()) == []


def test_a_blank_editor_is_no_editor(presets_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """EDITOR="   " ran the draft file itself ('cannot run the editor ' ''...)."""
    run_cli("preset", "save", "p", "--seniority", "CEO")
    monkeypatch.setenv("VISUAL", "   ")
    monkeypatch.setenv("EDITOR", "")
    result = run_cli("preset", "edit", "p")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: preset edit: set $VISUAL or $EDITOR (no terminal to open vi in)\n"
    )


def test_new_only_pages_deep_enough_to_pass_everyone_seen(emulator: SandboxApp) -> None:
    """Pages of N reach record 100 x N at most: once 1,000 were seen, `--new-only --limit 10`
    paid for all 1,000 every run and found nobody ("nothing new"), with 2,600 unseen left."""
    args = ["search", "--sandbox", "--seniority", "Manager", "--new-only", "-f", "jsonl"]
    first = run_cli(*args, "--limit", "1000")
    assert first.exit_code == 0, first.stderr
    seen = {r["personId"] for r in first.jsonl()}
    assert len(seen) == 1000
    emulator.log.clear()
    more = run_cli(*args, "--limit", "10")
    assert more.exit_code == 0, more.stderr
    fresh = [r["personId"] for r in more.jsonl()]
    assert len(fresh) == 10 and not seen & set(fresh)
    # Pages of 11: the 1,010th record is within reach (page 92), none of the window is cut.
    assert {size for _, size in pages_requested(emulator)} == {11}
    assert "--new-only: 10 new of " in more.stderr


@pytest.mark.slow  # a second process
def test_a_new_only_run_waits_for_another_of_the_same_memory(tmp_path: Path) -> None:
    """Two runs of one memory at once printed the same people: each read the memory before
    the other had written it. The second now waits, then skips whom the first printed."""
    import subprocess
    import sys

    from helpers import DEADLINE, base_env, wait_for

    from clodura_cli.search_run import memory_lock_file
    from clodura_cli.store.files import held
    from clodura_cli.store.ledger import Ledger

    env = base_env(tmp_path)
    search = [sys.executable, "-m", "clodura_cli", "search", "--sandbox", "--seniority",
              "Manager", "-f", "jsonl", "--limit", "5"]  # fmt: skip
    plain = subprocess.run(search, env=env, capture_output=True, text=True, timeout=DEADLINE,
                           check=True)  # fmt: skip
    first = [json.loads(line)["personId"] for line in plain.stdout.splitlines()]
    ledger_file = Path(env["CLODURA_DATA_DIR"]) / "ledger.db"
    with held(memory_lock_file(ledger_file, "default", "memory:nightly")):  # the other run
        second = subprocess.Popen([*search, "--new-only", "--memory", "nightly"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        assert second.stderr is not None
        waiting = "waiting for another clodura that is using the same --new-only memory"
        wait_for(lambda: waiting in second.stderr.readline(), "the second run to wait")
        # What the other run printed, remembered before it lets go.
        Ledger(ledger_file).emitted_people("default", "memory:nightly").record(first)
    out, err = second.communicate(timeout=DEADLINE)
    assert second.returncode == 0, err
    printed = [json.loads(line)["personId"] for line in out.splitlines()]
    assert len(printed) == 5 and not set(printed) & set(first)


def test_a_filter_given_twice_in_a_preset_is_refused(tmp_path: Path) -> None:
    """The second `seniority:` silently replaced the first."""
    preset = tmp_path / "p.yaml"
    preset.write_text("seniority: [CEO]\nseniority: [CFO]\n")
    result = run_cli("search", "--filters", str(preset), "--dry-run")
    assert result.exit_code == 2
    assert f"error: {preset}: invalid YAML at line 2, column 1: 'seniority' is given twice" in (
        result.stderr
    )


@pytest.mark.parametrize("value", ["", "[]", "''", "'  '"])
def test_an_empty_filter_in_a_preset_is_refused_not_dropped(
    presets_dir: Path, emulator: SandboxApp, value: str
) -> None:
    """`seniority:` left empty was dropped, and `--preset cfo --all` searched every record
    (a credit each): it is refused, naming the file and the key, and nothing is sent."""
    path = write(presets_dir, "cfo", f"description: CFOs\npersonTitle: [cfo]\nseniority: {value}\n")
    result = run_cli("search", "--sandbox", "--preset", "cfo", "--all")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"error: {path}: seniority: empty value; give a value or leave the key out\n"
    )
    assert sent(emulator, "search") == []
    listed = run_cli("preset", "list")
    assert "cfo\t?\t? filters\tinvalid: " in listed.stdout


def test_save_with_dry_run_prints_the_yaml_and_saves_nothing(presets_dir: Path) -> None:
    """--dry-run was warned of as ignored, and the preset saved all the same."""
    result = run_cli("preset", "save", "cfos", "--title", "cfo", "--description", "CFOs",
                     "--dry-run")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "description: CFOs\npersonTitle:\n- cfo\n"
    assert result.stderr == "preset 'cfos' not saved (--dry-run)\n"
    assert not (presets_dir / "cfos.yaml").exists()
    saved = run_cli("preset", "save", "cfos", "--title", "cfo", "--description", "CFOs")
    assert saved.exit_code == 0 and (presets_dir / "cfos.yaml").read_text() == result.stdout

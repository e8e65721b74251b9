"""Stored keys, profiles and settings: where they live, who wins, and that each takes effect."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from helpers import DEADLINE, run_cli, sent

from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.faults import Faults, ScriptedFault
from clodura_cli.store.formats import names_text

KEY = "ck_live_0123456789abcdefWXYZ"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_login_with_key_reads_stdin_and_stores_it_owner_only(isolated: Path) -> None:
    result = run_cli("auth", "login", "--with-key", input=KEY + "\n")
    assert result.exit_code == 0, result.stderr
    store = isolated / "config" / "credentials"
    assert store.read_text() == f"default={KEY}\n"
    assert mode(store) == 0o600
    assert mode(store.parent) == 0o700
    assert KEY not in result.stdout + result.stderr
    assert [p.name for p in store.parent.iterdir() if p.name.endswith(".part")] == []


def test_login_without_a_terminal_or_with_key_refuses_to_wait() -> None:
    result = run_cli("auth", "login", input="")
    assert result.exit_code == 2
    assert "--with-key" in result.stderr


def test_a_key_with_spaces_is_refused() -> None:
    result = run_cli("auth", "login", "--with-key", input="two words\n")
    assert result.exit_code == 2
    assert "does not look like an API key" in result.stderr


def test_status_masks_the_key_and_names_its_source(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_cli("auth", "login", "--with-key", input=KEY)
    stored = run_cli("auth", "status")
    assert stored.stdout == (
        f"profile: default\nkey: ****WXYZ (from {isolated / 'config' / 'credentials'})\n"
    )
    monkeypatch.setenv("CLODURA_API_KEY", "env_key_9876543210")
    from_env = run_cli("auth", "status")
    assert from_env.stdout == "profile: default\nkey: ****3210 (from CLODURA_API_KEY)\n"
    assert KEY not in stored.stdout + stored.stderr


def test_status_without_a_key_exits_3() -> None:
    result = run_cli("auth", "status")
    assert result.exit_code == 3
    assert "key: none" in result.stdout


def test_logout_removes_only_that_profile(isolated: Path) -> None:
    run_cli("auth", "login", "--with-key", input="key_of_default_1234")
    run_cli("auth", "login", "--with-key", "--profile", "work", input="key_of_work_5678")
    assert run_cli("auth", "logout", "--profile", "work").exit_code == 0
    assert (isolated / "config" / "credentials").read_text() == "default=key_of_default_1234\n"
    assert "had no stored key" in run_cli("auth", "logout", "--profile", "work").stderr


def test_a_key_file_readable_by_others_gets_a_warning(isolated: Path) -> None:
    run_cli("auth", "login", "--with-key", input=KEY)
    os.chmod(isolated / "config" / "credentials", 0o644)
    result = run_cli("auth", "status")
    assert "can be read by other users; run: chmod 600" in result.stderr


def test_missing_key_names_both_ways_for_the_profile() -> None:
    run_cli("config", "set", "--profile", "work", "per-page", "50")  # a profile without a key
    result = run_cli("search", "--profile", "work", "--seniority", "CEO")
    assert result.exit_code == 3
    assert "clodura auth login --profile work" in result.stderr
    assert "CLODURA_API_KEY" in result.stderr


def test_a_misspelled_profile_gets_a_did_you_mean_also_in_the_sandbox() -> None:
    run_cli("config", "set", "--profile", "work", "per-page", "50")
    for extra in ([], ["--sandbox"]):
        result = run_cli("search", *extra, "--profile", "wrok", "--seniority", "CEO")
        assert result.exit_code == 2
        assert "--profile: no profile 'wrok'; did you mean 'work'?" in result.stderr


def test_a_misspelled_preset_gets_a_did_you_mean() -> None:
    run_cli("preset", "save", "cfos-fintech", "--seniority", "CEO")
    result = run_cli("search", "--sandbox", "--preset", "cfo-fintech")
    assert result.exit_code == 2
    assert "did you mean 'cfos-fintech'? (presets: cfos-fintech)" in result.stderr


def test_bad_profile_name_is_a_usage_error() -> None:
    result = run_cli("config", "list", "--profile", "../etc")
    assert result.exit_code == 2
    assert "not a profile name" in result.stderr


# Settings -------------------------------------------------------------------------------------


def test_set_get_unset_and_list(isolated: Path) -> None:
    assert run_cli("config", "set", "format", "CSV").exit_code == 0
    got = run_cli("config", "get", "format")
    assert (got.stdout, got.stderr) == ("csv\n", "(profile)\n")
    listed = run_cli("config", "list").stdout
    assert "format = csv  # profile" in listed
    assert "per-page = 25  # default" in listed
    config_file = isolated / "config" / "config.yaml"
    assert config_file.read_text() == "profiles:\n  default:\n    format: csv\n"
    assert mode(config_file) == 0o600
    assert run_cli("config", "unset", "format").exit_code == 0
    assert run_cli("config", "get", "format").stderr == "(default)\n"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["set", "formt", "csv"], "did you mean 'format'? settings: base-url, webhook-url"),
        (["set", "per-page", "500"], "per-page: 500 is out of range; use 1 to 100"),
        (["set", "concurrency", "many"], "concurrency: 'many' is not a whole number"),
        (["set", "format", "xml"], f"use {names_text()}"),
        (["set", "base-url", "http://api.example.com"], "plain http"),
        (["set", "webhook-url", "ftp://x"], "must be an https:// URL"),
        (["get", "colour"], "'colour' is not a setting"),
    ],
)
def test_bad_setting_names_and_values_exit_2(args: list[str], fragment: str) -> None:
    result = run_cli("config", *args)
    assert result.exit_code == 2
    assert fragment in result.stderr


def test_config_path_names_every_location(isolated: Path) -> None:
    lines = run_cli("config", "path").stdout.splitlines()
    assert lines == [
        f"config: {isolated / 'config' / 'config.yaml'}",
        f"keys: {isolated / 'config' / 'credentials'}",
        f"presets: {isolated / 'config' / 'presets'}",
        f"layouts: {isolated / 'config' / 'layouts'}",  # where the README sends users for it
        f"data: {isolated / 'data'}",
        f"cache: {isolated / 'cache' / 'help'}",
    ]


def test_flag_beats_environment_beats_profile_beats_default(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    search = ("search", "--sandbox", "--seniority", "CEO")
    assert run_cli(*search).stdout.startswith("{")  # default in a pipe: jsonl
    run_cli("config", "set", "format", "csv")
    assert run_cli(*search).stdout.startswith("personId,")
    monkeypatch.setenv("CLODURA_FORMAT", "json")
    assert run_cli(*search).stdout.startswith("[")
    assert run_cli(*search, "-f", "jsonl").stdout.startswith("{")


def test_profiles_keep_their_own_settings(emulator: SandboxApp) -> None:
    run_cli("config", "set", "per-page", "7", "--profile", "small")
    run_cli("config", "set", "per-page", "40", "--profile", "big")
    run_cli("search", "--sandbox", "--profile", "small")
    run_cli("search", "--sandbox", "--profile", "big")
    run_cli("search", "--sandbox")
    assert [b["perPage"] for b in sent(emulator)] == [7, 40, 25]


def test_profile_from_the_environment(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_cli("config", "set", "per-page", "9", "--profile", "cron")
    monkeypatch.setenv("CLODURA_PROFILE", "cron")
    run_cli("search", "--sandbox")
    assert sent(emulator)[0]["perPage"] == 9


def test_webhook_url_setting_reaches_the_reveal_body(emulator: SandboxApp) -> None:
    run_cli("config", "set", "webhook-url", "https://hooks.example.com/from-config")
    from clodura_cli.sandbox.data import build_dataset

    person = build_dataset().people[0].record["personId"]
    result = run_cli("reveal", "email", "--sandbox", "--no-wait", person)
    assert result.exit_code == 0, result.stderr
    assert sent(emulator, "email")[0]["webhookUrl"] == "https://hooks.example.com/from-config"


class FirstRequestsHeld:
    """The emulator holds the first ``count`` requests of a run until all of them have come:
    that many are in flight together however slow the machine (a fixed latency only makes it
    likely), and a client that allows more sends the others while these are still held."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._answer = SandboxApp._answer
        self._cond = threading.Condition()
        self.count = 0
        self.arrived = 0
        self.together: list[bool] = []

        def answer(app: SandboxApp, *args: Any) -> Any:  # a function: it binds to the app
            return self._held(app, *args)

        monkeypatch.setattr(SandboxApp, "_answer", answer)

    def expect(self, count: int) -> None:
        with self._cond:
            self.count, self.arrived = count, 0

    def _held(self, app: SandboxApp, *args: Any) -> Any:
        with self._cond:
            self.arrived += 1
            if self.arrived <= self.count:
                self._cond.notify_all()
                came = self._cond.wait_for(lambda: self.arrived >= self.count, DEADLINE)
                self.together.append(came)
        return self._answer(app, *args)


def test_concurrency_setting_limits_requests_in_flight(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = FirstRequestsHeld(monkeypatch)
    run_cli("config", "set", "concurrency", "2")
    held.expect(2)
    result = run_cli("search", "--sandbox", "--limit", "800", "--fields", "personId")
    assert result.exit_code == 0, result.stderr
    assert held.together == [True] * 2 and emulator.max_in_flight == 2
    emulator.max_in_flight = 0
    held.expect(5)
    result = run_cli("search", "--sandbox", "--limit", "800", "--fields", "personId",
                     "--concurrency", "5")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert held.together == [True] * 7 and emulator.max_in_flight == 5


def test_max_retries_setting(emulator: SandboxApp) -> None:
    emulator.set_faults(Faults(script=[ScriptedFault("503", 99)]))
    run_cli("config", "set", "max-retries", "1")
    assert run_cli("search", "--sandbox").exit_code == 7
    assert len(emulator.log) == 2


def test_timeout_setting(emulator: SandboxApp) -> None:
    emulator.set_faults(Faults(timeout_delay=0.3, script=[ScriptedFault("timeout", 99)]))
    run_cli("config", "set", "timeout", "0.2")
    run_cli("config", "set", "max-retries", "0")
    result = run_cli("search", "--sandbox")
    assert result.exit_code == 7 and "timed out" in result.stderr
    run_cli("config", "set", "timeout", "5")
    assert run_cli("search", "--sandbox").exit_code == 0


def test_base_url_setting_is_used_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    run_cli("config", "set", "base-url", "http://127.0.0.1:9/")
    monkeypatch.setenv("CLODURA_API_KEY", KEY)
    import json

    preview = json.loads(run_cli("search", "--dry-run").stdout)
    assert preview["url"] == "http://127.0.0.1:9/api/v1/search/people"
    monkeypatch.setenv("CLODURA_BASE_URL", "http://10.1.2.3")
    result = run_cli("search", "--dry-run")
    assert result.exit_code == 2 and "plain http" in result.stderr


def test_api_options_never_show_the_key_they_carry() -> None:
    """`auth login --check` carries the key to try in ApiOptions: printed anywhere (a debug
    line, a traceback's locals), the options never show it."""
    from clodura_cli.cli.session import ApiOptions

    options = ApiOptions(base_url="https://api.example.com", profile_name="work", key="ck_live_1")
    assert options.key == "ck_live_1"
    for shown in (repr(options), str(options), f"{options}", repr([options])):
        assert "ck_live_1" not in shown and "work" in shown


def test_config_shows_values_in_the_words_config_set_takes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """It echoed Python's own: `search-cache-ttl = 1800.0`, `csv-bom = True`."""
    monkeypatch.delenv("CLODURA_SEARCH_CACHE_TTL", raising=False)  # the profile's value shows
    ttl = run_cli("config", "set", "search-cache-ttl", "30m")
    assert ttl.exit_code == 0, ttl.stderr
    assert ttl.stderr == "search-cache-ttl = 30m (profile 'default')\n"
    assert (
        run_cli("config", "set", "csv-bom", "yes").stderr == "csv-bom = true (profile 'default')\n"
    )
    assert run_cli("config", "get", "search-cache-ttl").stdout == "30m\n"
    assert run_cli("config", "get", "timeout").stdout == "30\n"
    assert run_cli("config", "set", "search-cache-ttl", "90").stderr.startswith(
        "search-cache-ttl = 90s "
    )
    assert run_cli("config", "set", "search-cache-ttl", "0").stderr.startswith(
        "search-cache-ttl = 0 "
    )
    listed = run_cli("config", "list").stdout
    assert "\ncsv-bom = true  # profile;" in listed
    assert "\nsearch-cache-ttl = 0  # profile;" in listed
    # To the last digit, as typed: 0.1234567 is not 0.123457, 599.99999 not 600.
    for name, typed, shown in (("rate", "0.1234567", "0.1234567"),
                               ("timeout", "599.99999", "599.99999"),
                               ("search-cache-ttl", "1.5h", "90m"),
                               ("search-cache-ttl", "1.0000001h", "3600.00036s")):  # fmt: skip
        assert run_cli("config", "set", name, typed).exit_code == 0
        assert run_cli("config", "get", name).stdout == shown + "\n", (name, typed)
    # What is shown is taken back as it is.
    assert run_cli("config", "set", "search-cache-ttl", "1h").exit_code == 0
    shown = run_cli("config", "get", "search-cache-ttl").stdout.strip()
    assert run_cli("config", "set", "search-cache-ttl", shown).stderr.startswith(
        "search-cache-ttl = 1h "
    )


def test_a_broken_config_file_is_one_line_naming_where(isolated: Path) -> None:
    """It quoted PyYAML's whole text, "<unicode string>" and the source line included."""
    path = isolated / "config" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("default:\n  format: [csv\n")
    result = run_cli("config", "list")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {path}: invalid YAML at line 3, column 1: expected ',' or ']', but got "
        "'<stream end>'; fix or delete the file\n"
    )
    path.write_bytes(b"default: \xff\n")
    assert run_cli("config", "list").stderr == (
        f"error: {path}: not UTF-8 text; fix or delete the file\n"
    )


def test_a_setting_given_twice_keeps_its_last_value_as_before(isolated: Path) -> None:
    """Layouts and presets now refuse a key given twice; the config file, which cron jobs
    read, keeps the last value as it always has."""
    path = isolated / "config" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("profiles:\n  default:\n    format: csv\n    format: tsv\n")
    result = run_cli("config", "get", "format")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "tsv\n"

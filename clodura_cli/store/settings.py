"""Profiles and their settings: flag > environment > profile setting > built-in default."""

import difflib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from clodura_cli.api.errors import UsageError
from clodura_cli.api.urls import check_base_url, check_webhook_url
from clodura_cli.base.text import has_controls, pattern, quoted
from clodura_cli.store import config, yamlfile
from clodura_cli.store.files import write_private

DEFAULT_PROFILE = "default"
ENV_PROFILE = "CLODURA_PROFILE"
_PROFILE_RE = pattern(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")


def _number(kind: type, minimum: float, maximum: float) -> Callable[[str, Any], Any]:
    def parse(name: str, raw: Any) -> Any:
        try:
            value = kind(str(raw).strip())
        except ValueError:
            what = "whole number" if kind is int else "number"
            raise UsageError(f"{name}: {quoted(raw)} is not a {what}") from None
        if not minimum <= value <= maximum:
            raise UsageError(f"{name}: {raw} is out of range; use {minimum:g} to {maximum:g}")
        return value

    return parse


def _format(name: str, raw: Any) -> str:
    from clodura_cli.store.formats import check_format

    return check_format(str(raw), name)


def _base_url(name: str, raw: Any) -> str:
    try:
        return check_base_url(str(raw))
    except UsageError as exc:
        raise UsageError(f"{name}: {exc.message}") from None


def _webhook(name: str, raw: Any) -> str:
    try:
        return check_webhook_url(str(raw).strip())
    except UsageError as exc:
        raise UsageError(f"{name}: {exc.message.removeprefix('--webhook-url: ')}") from None


def _choice(*choices: str) -> Callable[[str, Any], str]:
    def parse(name: str, raw: Any) -> str:
        value = str(raw).strip().lower()
        if value not in choices:
            raise UsageError(f"{name}: {quoted(raw)} is not accepted; use {', '.join(choices)}")
        return value

    return parse


def _boolean(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in ("true", "yes", "on", "1"):
        return True
    if value in ("false", "no", "off", "0"):
        return False
    raise UsageError(f"{name}: {quoted(raw)} is not accepted; use true or false")


def _duration(name: str, raw: Any) -> float:
    """Seconds from ``3600``, ``90s``, ``30m``, ``1h`` or ``2d``; 0 turns the thing off."""

    text = str(raw).strip().lower()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhd]?)", text)
    if match is None:
        raise UsageError(
            f"{name}: {quoted(raw)} is not a duration; use seconds or 30m, 1h, 2d (0: off)"
        )
    scale = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    return float(match.group(1)) * scale


def _secret(name: str, raw: Any) -> str:
    value = str(raw).strip()
    if len(value) < 8 or any(ch.isspace() for ch in value) or has_controls(value):
        raise UsageError(
            f"{name}: give at least 8 characters, without spaces or control characters"
        )
    return value


class Setting(NamedTuple):
    """One setting: how its text is checked, its built-in default, and what it does."""

    name: str
    parse: Callable[[str, Any], Any]
    default: Any
    help: str
    #: Kept beside the keys (owner-only), set from standard input only, never shown.
    secret: bool = False

    @property
    def env(self) -> str:
        """Its environment variable (``webhook-url`` -> ``CLODURA_WEBHOOK_URL``)."""
        return "CLODURA_" + self.name.upper().replace("-", "_")

    def shown(self, value: Any) -> str:
        """A value as `config` prints it, in the words `config set` takes (``true``, ``30m``,
        ``30``), not Python's (``True``, ``1800.0``); a secret only says that it is set."""
        if value is None:
            return ""
        if self.secret:
            return "******** (set; never shown)"
        if isinstance(value, bool):
            return "true" if value else "false"
        if self.parse is _duration and isinstance(value, (int, float)):
            return _as_duration(float(value))
        return _as_typed(value) if isinstance(value, float) else str(value)


def _as_typed(value: float) -> str:
    """A float as typed, to the last digit (``30`` for 30.0, ``0.1234567``)."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def _as_duration(seconds: float) -> str:
    """``1800`` as ``30m``, ``3600`` as ``1h``, ``90`` as ``90s``, 0 as ``0`` (off)."""
    if seconds == 0:
        return "0"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{_as_typed(seconds / size)}{unit}"
    return f"{_as_typed(seconds)}s"


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting("base-url", _base_url, "https://api.clodura.ai", "API base URL"),
        Setting("webhook-url", _webhook, None, "where the API posts reveal results"),
        Setting("format", _format, None, "default output format (table on a terminal, else jsonl)"),
        Setting(
            "csv-bom",
            _boolean,
            False,
            "the default of --bom: a new file of a delimited format (one with a header row) "
            "starts with a UTF-8 byte-order mark, so that Excel reads accents right",
        ),
        Setting("per-page", _number(int, 1, 100), 25, "records per page of a search"),
        Setting(
            "search-cache-ttl",
            _duration,
            3600.0,
            "how long a search keeps the pages it paid for, so that a rerun reuses them (30m, 1h; "
            "0: no cache)",
        ),
        Setting("concurrency", _number(int, 1, 16), 4, "requests in flight at once"),
        Setting("rate", _number(float, 0.1, 1000), None, "most requests per second (no cap)"),
        Setting("max-retries", _number(int, 0, 20), 4, "retries after 429, 5xx and network errors"),
        Setting(
            "timeout",
            _number(float, 0.1, 600),
            30.0,
            "seconds to wait for bytes of an answer; a whole answer gets twice this",
        ),
        Setting("max-response-mb", _number(int, 1, 4096), 64, "largest answer read, in MiB"),
        Setting(
            "track-endpoint",
            _choice("auto", "on", "off"),
            "auto",
            "poll the (undocumented) track endpoint: auto tries it and remembers if it is missing",
        ),
        Setting(
            "webhook-secret",
            _secret,
            None,
            "the secret deliveries are signed with (X-Clodura-Signature); set from stdin only",
            secret=True,
        ),
    )
}


def check_profile_name(name: str) -> str:
    """A profile name that is safe as a YAML key and a word on the command line."""
    if not _PROFILE_RE.match(name):
        raise UsageError(
            f"--profile: {quoted(name)} is not a profile name; use letters, digits, '-', '_' or '.'"
        )
    return name


def active_profile(flag: str | None = None) -> str:
    """--profile, else CLODURA_PROFILE, else "default"."""
    return check_profile_name(flag or os.environ.get(ENV_PROFILE) or DEFAULT_PROFILE)


def config_path() -> Path:
    """The YAML config file."""
    return config.config_file()


def setting(name: str) -> Setting:
    """The setting called ``name``, or a usage error listing the accepted names."""
    found = SETTINGS.get(name)
    if found is None:
        close = difflib.get_close_matches(name, list(SETTINGS), n=1)
        hint = f"did you mean {quoted(close[0])}? " if close else ""
        raise UsageError(f"{quoted(name)} is not a setting; {hint}settings: {', '.join(SETTINGS)}")
    return found


def _load_file() -> dict[str, Any]:
    path = config_path()
    if not path.exists():
        return {}
    import yaml

    try:
        # A setting given twice (a hand edit) keeps its last value, as it always has: the
        # settings of a cron job are not refused over it.
        data = yamlfile.load(path.read_text(encoding="utf-8"), unique_keys=False) or {}
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text; fix or delete the file") from None
    except (yaml.YAMLError, ValueError) as exc:
        raise UsageError(
            f"{path}: invalid YAML {yamlfile.problem(exc)}; fix or delete the file"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("profiles", {}), dict):
        raise UsageError(f"{path}: expected a mapping with 'profiles'; fix or delete the file")
    return data


class Profile(NamedTuple):
    """A profile's stored settings, resolved against flags and the environment on demand."""

    name: str
    stored: dict[str, Any]

    def get(self, name: str, flag: Any = None) -> Any:
        """The value in force: the flag, else CLODURA_<NAME>, else the profile's, else built-in."""
        value, _ = self.lookup(name, flag)
        return value

    def lookup(self, name: str, flag: Any = None) -> tuple[Any, str]:
        """The value in force and where it came from (flag, environment, profile, default)."""
        spec = setting(name)
        if flag is not None:
            return flag, "flag"
        raw = os.environ.get(spec.env)
        if raw is not None and raw.strip():
            return spec.parse(spec.env, raw), "environment"
        if spec.secret:
            from clodura_cli.store.credentials import webhook_secret

            stored = webhook_secret(self.name)
            return (stored, "stored") if stored else (None, "default")
        if name in self.stored:
            return spec.parse(f"{config_path()}: {self.name}.{name}", self.stored[name]), "profile"
        return spec.default, "default"


def load_profile(flag: str | None = None) -> Profile:
    """The active profile and its stored settings."""
    name = active_profile(flag)
    profiles = _load_file().get("profiles", {})
    stored = profiles.get(name) or {}
    if not isinstance(stored, dict):
        raise UsageError(f"{config_path()}: profile {quoted(name)} must be a mapping of settings")
    return Profile(name, {str(k): v for k, v in stored.items()})


def check_profile_exists(name: str) -> str:
    """A profile a command uses must exist (in the config file or the key store), or be the
    default: a misspelled --profile would otherwise run with the wrong settings and key."""
    known = profile_names()
    if name in known:
        return name
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise UsageError(
        f"--profile: no profile {quoted(name)}; {hint}profiles: {', '.join(known)} (create one "
        f"with `clodura auth login --profile {name}` or `clodura config set --profile {name} ...`)"
    )


def profile_names() -> list[str]:
    """Every profile named in the config file or the key store."""
    from clodura_cli.store.credentials import stored_profiles

    names = set(_load_file().get("profiles", {})) | set(stored_profiles())
    return sorted(names | {DEFAULT_PROFILE})


def save_setting(profile: str, name: str, raw: str | None) -> Any:
    """Store (or with None remove) a setting of a profile; returns the stored value."""
    spec = setting(name)
    if raw is not None and has_controls(raw):
        raise UsageError(f"{name}: the value holds control characters; nothing stored")
    value = None if raw is None else spec.parse(name, raw)
    if spec.secret:
        from clodura_cli.store.credentials import store_webhook_secret

        store_webhook_secret(profile, value)
        return value
    data = _load_file()
    profiles = data.setdefault("profiles", {})
    values = profiles.setdefault(profile, {}) or {}
    if value is None:
        values.pop(name, None)
    else:
        values[name] = value
    profiles[profile] = values
    import yaml

    write_private(config_path(), yaml.safe_dump(data, sort_keys=True))
    return value

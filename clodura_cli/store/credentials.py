"""Stored API keys, one per profile, in a file only the owner can read."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from clodura_cli.api.errors import MissingKeyError, UnsendableKeyError, UsageError
from clodura_cli.base.text import quoted
from clodura_cli.store import config
from clodura_cli.store.files import readable_by_others, write_private


def credentials_path() -> Path:
    """The key store: ``profile=key`` lines, mode 0600, in a folder of mode 0700."""
    return config.credentials_file()


def _read(path: Path | None = None) -> dict[str, str]:
    path = path or credentials_path()
    if not path.exists():
        return {}
    keys = {}
    # Lines end at a newline only: splitlines() would also cut a key at \x0b or \x1c.
    for line in path.read_text(encoding="utf-8").split("\n"):
        name, sep, key = line.removesuffix("\r").partition("=")
        if sep and name.strip() and key.strip():
            keys[name.strip()] = key.strip()
    return keys


def _write(keys: dict[str, str], path: Path | None = None) -> None:
    text = "".join(f"{n}={k}\n" for n, k in sorted(keys.items()))
    write_private(path or credentials_path(), text)


def webhook_secret(profile: str) -> str | None:
    """The profile's stored webhook signing secret, if any."""
    return _read(config.webhook_secrets_file()).get(profile)


def store_webhook_secret(profile: str, secret: str | None) -> None:
    """Save (or with None forget) the profile's webhook signing secret, owner-only."""
    path = config.webhook_secrets_file()
    secrets = _read(path)
    if secret is None:
        secrets.pop(profile, None)
    else:
        secrets[profile] = secret
    _write(secrets, path)


def stored_profiles() -> list[str]:
    """Profiles with a stored key."""
    return sorted(_read())


def check_key_text(key: str) -> str:
    """A key as typed or piped: one line of printable ASCII without spaces."""
    key = key.strip()
    if not key:
        raise UsageError("no key given: paste it at the prompt or pipe it to --with-key")
    if any(ch.isspace() for ch in key) or "=" in key:
        raise UsageError(
            "that does not look like an API key (it holds spaces or '='); nothing stored"
        )
    return sendable(key, "; nothing stored")


def sendable(key: str, suffix: str = "") -> str:
    """The key, if an HTTP header can carry it (printable ASCII); never echoes it otherwise."""
    if not all(32 < ord(ch) < 127 for ch in key):
        raise UnsendableKeyError(f"the API key contains characters that cannot be sent{suffix}")
    return key


def store_key(profile: str, key: str) -> Path:
    """Save the profile's key (replacing any), atomically and readable by the owner only."""
    keys = _read()
    keys[profile] = check_key_text(key)
    _write(keys)
    return credentials_path()


def remove_key(profile: str) -> bool:
    """Forget the profile's key; True when there was one."""
    keys = _read()
    if profile not in keys:
        return False
    del keys[profile]
    _write(keys)
    return True


@dataclass(frozen=True)
class KeySource:
    """Where the key in force comes from."""

    key: str
    #: "environment" or "file"
    origin: str
    path: Path | None = None

    @property
    def masked(self) -> str:
        """The key as it may be shown: only its last four characters."""
        return "****" + self.key[-4:] if len(self.key) > 8 else "****"


def find_key(profile: str) -> KeySource | None:
    """CLODURA_API_KEY, else the profile's stored key, else None."""
    env_key = os.environ.get(config.ENV_API_KEY, "").strip()
    if env_key:
        return KeySource(sendable(env_key, f" (in {config.ENV_API_KEY})"), "environment")
    key = _read().get(profile)
    if key:
        path = credentials_path()
        return KeySource(sendable(key, f" (stored for profile {profile} in {path})"), "file", path)
    return None


def insecure_store_warning() -> str | None:
    """A warning when the key store can be read by other users, else None."""
    path = credentials_path()
    if readable_by_others(path):
        return f"{path} can be read by other users; run: chmod 600 {path}"
    return None


def require_key(profile: str) -> KeySource:
    """The key in force and where it comes from, or a MissingKeyError naming both ways to
    provide one."""
    found = find_key(profile)
    if found is None:
        suffix = "" if profile == "default" else f" --profile {profile}"
        raise MissingKeyError(
            f"no API key for profile {quoted(profile)}: run `clodura auth login{suffix}` or set "
            f"{config.ENV_API_KEY}; or add --sandbox to try the tool on synthetic data"
        )
    return found

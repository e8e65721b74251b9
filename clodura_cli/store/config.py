"""Where settings come from: environment variables and platform directories."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from clodura_cli.base import folders

APP_NAME = "clodura"
ENV_API_KEY = "CLODURA_API_KEY"
ENV_CONFIG_DIR = "CLODURA_CONFIG_DIR"
ENV_DATA_DIR = "CLODURA_DATA_DIR"
ENV_CACHE_DIR = "CLODURA_CACHE_DIR"
ENV_SANDBOX = "CLODURA_SANDBOX"
ENV_DEBUG = "CLODURA_DEBUG"

_TRUE = {"1", "true", "yes", "on"}


def env_flag(name: str, environ: Mapping[str, str] | None = None) -> bool:
    """True when an environment variable is set to 1/true/yes/on."""
    return (environ if environ is not None else os.environ).get(name, "").strip().lower() in _TRUE


def _platform_dir(env: str, kind: str) -> Path:
    override = os.environ.get(env)
    if override:
        return Path(override)
    usual = folders.linux_folder(kind, APP_NAME)  # the same as platformdirs', 10 ms sooner
    if usual is not None:
        return Path(usual)
    import platformdirs

    where = platformdirs.user_config_dir if kind == "config" else platformdirs.user_data_dir
    return Path(where(APP_NAME))


def config_dir() -> Path:
    """The configuration directory (CLODURA_CONFIG_DIR, else the platform's)."""
    return _platform_dir(ENV_CONFIG_DIR, "config")


def data_dir() -> Path:
    """The data directory (CLODURA_DATA_DIR, else the platform's)."""
    return _platform_dir(ENV_DATA_DIR, "data")


def cache_dir() -> Path:
    """The cache directory (CLODURA_CACHE_DIR, else $XDG_CACHE_HOME/clodura or ~/.cache/clodura).

    Read without platformdirs: `--help` looks here before anything else is imported.
    """
    override = os.environ.get(ENV_CACHE_DIR)
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / APP_NAME


class _Under:
    """A path under one of the folders, looked up on each call (the environment may move the
    folders between calls, as tests do)."""

    __slots__ = ("folder", "name")

    def __init__(self, folder: Callable[[], Path], name: str) -> None:
        self.folder, self.name = folder, name

    def __call__(self) -> Path:
        return self.folder() / self.name


# Every file the tool keeps, named once.
#: Profiles and their settings.
config_file = _Under(config_dir, "config.yaml")
#: The key store: ``profile=key`` lines, mode 0600.
credentials_file = _Under(config_dir, "credentials")
#: Webhook signing secrets: ``profile=secret`` lines, mode 0600, beside the keys.
webhook_secrets_file = _Under(config_dir, "webhook-secrets")
#: Saved searches, one YAML file each.
presets_dir = _Under(config_dir, "presets")
#: The reveal ledger and what --new-only remembers (SQLite).
ledger_file = _Under(data_dir, "ledger.db")
#: Rendered help, printed from here on the next call.
help_cache_dir = _Under(cache_dir, "help")
#: The sandbox's generated data set.
sandbox_cache_dir = _Under(cache_dir, "sandbox")

"""Where settings come from: environment variables and platform directories."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

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


def config_dir() -> Path:
    """The configuration directory (CLODURA_CONFIG_DIR, else the platform's)."""
    override = os.environ.get(ENV_CONFIG_DIR)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    """The data directory (CLODURA_DATA_DIR, else the platform's)."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def cache_dir() -> Path:
    """The cache directory (CLODURA_CACHE_DIR, else $XDG_CACHE_HOME/clodura or ~/.cache/clodura).

    Read without platformdirs: `--help` looks here before anything else is imported.
    """
    override = os.environ.get(ENV_CACHE_DIR)
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / APP_NAME


# Every file the tool keeps, named once.


def config_file() -> Path:
    """Profiles and their settings."""
    return config_dir() / "config.yaml"


def credentials_file() -> Path:
    """The key store: ``profile=key`` lines, mode 0600."""
    return config_dir() / "credentials"


def presets_dir() -> Path:
    """Saved searches, one YAML file each."""
    return config_dir() / "presets"


def ledger_file() -> Path:
    """The reveal ledger and what --new-only remembers (SQLite)."""
    return data_dir() / "ledger.db"


def help_cache_dir() -> Path:
    """Rendered help, printed from here on the next call."""
    return cache_dir() / "help"


def sandbox_cache_dir() -> Path:
    """The sandbox's generated data set."""
    return cache_dir() / "sandbox"

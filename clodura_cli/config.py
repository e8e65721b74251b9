"""Where settings come from: environment variables and platform directories."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from clodura_cli.errors import MissingKeyError, UsageError

APP_NAME = "clodura"
ENV_API_KEY = "CLODURA_API_KEY"
ENV_BASE_URL = "CLODURA_BASE_URL"
ENV_CONFIG_DIR = "CLODURA_CONFIG_DIR"
ENV_DATA_DIR = "CLODURA_DATA_DIR"
ENV_SANDBOX = "CLODURA_SANDBOX"
ENV_DEBUG = "CLODURA_DEBUG"
ENV_TIMEOUT = "CLODURA_TIMEOUT"
ENV_MAX_RETRIES = "CLODURA_MAX_RETRIES"

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


def api_key() -> str:
    """The API key from the environment, or a MissingKeyError saying how to provide one."""
    key = os.environ.get(ENV_API_KEY, "").strip()
    if not key:
        raise MissingKeyError(
            f"no API key: set {ENV_API_KEY}=<your key> (export it in your shell or cron job), "
            "or add --sandbox to try the tool on synthetic data without a key"
        )
    return key


def number_setting(name: str, default: float, *, minimum: float, maximum: float) -> float:
    """A numeric environment setting within bounds, or its default when unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{name}: {raw!r} is not a number") from None
    if not minimum <= value <= maximum:
        raise UsageError(f"{name}: {raw} is out of range; use {minimum:g} to {maximum:g}")
    return value

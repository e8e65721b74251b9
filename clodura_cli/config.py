"""Where settings come from: environment variables and platform directories."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "clodura"
ENV_API_KEY = "CLODURA_API_KEY"
ENV_CONFIG_DIR = "CLODURA_CONFIG_DIR"
ENV_DATA_DIR = "CLODURA_DATA_DIR"
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

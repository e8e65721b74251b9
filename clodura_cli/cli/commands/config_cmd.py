"""`clodura config`: the settings of a profile."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from clodura_cli.cli import options, report

app = typer.Typer(
    help="Read and change settings (per profile).\n\n"
    "Example:\n\n  clodura config set webhook-url https://hooks.example.com/clodura",
    no_args_is_help=True,
)

Name = Annotated[str, typer.Argument(help="Setting name, e.g. webhook-url.", show_default=False)]


@app.command()
def get(name: Name, profile: options.Profile = None) -> None:
    """Print the value in force and where it comes from.

    Example:

      clodura config get format
    """
    from clodura_cli.store.settings import load_profile

    value, source = load_profile(profile).lookup(name)
    sys.stdout.write(f"{'' if value is None else value}\n")
    report.info(f"({source})")


@app.command(name="set")
def set_(
    name: Name,
    value: Annotated[str, typer.Argument(help="The new value.", show_default=False)],
    profile: options.Profile = None,
) -> None:
    """Store a setting in the profile.

    Examples:

      clodura config set format csv

      clodura config set base-url http://127.0.0.1:8765 --profile local
    """
    from clodura_cli.store.settings import active_profile, save_setting

    stored = save_setting(active_profile(profile), name, value)
    report.info(f"{name} = {stored} (profile {active_profile(profile)!r})")


@app.command()
def unset(name: Name, profile: options.Profile = None) -> None:
    """Remove a setting from the profile (the built-in default applies again).

    Example:

      clodura config unset per-page
    """
    from clodura_cli.store.settings import active_profile, save_setting

    save_setting(active_profile(profile), name, None)
    report.info(f"{name} unset (profile {active_profile(profile)!r})")


@app.command(name="list")
def list_(profile: options.Profile = None) -> None:
    """Every setting with its value in force and where it comes from.

    Example:

      clodura config list --profile work
    """
    from clodura_cli.store.settings import SETTINGS, load_profile, profile_names

    loaded = load_profile(profile)
    sys.stdout.write(f"# profile: {loaded.name} (profiles: {', '.join(profile_names())})\n")
    for name, spec in SETTINGS.items():
        value, source = loaded.lookup(name)
        shown = "" if value is None else value
        sys.stdout.write(f"{name} = {shown}  # {source}; {spec.help}; env {spec.env}\n")


@app.command()
def path() -> None:
    """Print where the config file, keys, presets, data and cached help live.

    Example:

      clodura config path
    """
    from clodura_cli.store import config

    sys.stdout.write(
        f"config: {config.config_file()}\nkeys: {config.credentials_file()}\n"
        f"presets: {config.presets_dir()}\ndata: {config.data_dir()}\n"
        f"cache: {config.help_cache_dir()}\n"
    )

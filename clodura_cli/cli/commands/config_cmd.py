"""`clodura config`: the settings of a profile."""

import sys
from typing import Annotated

import typer

from clodura_cli.base.encoding import write_os_text
from clodura_cli.cli import options, report

app = typer.Typer(
    help="Read and change settings (per profile).\n\n"
    "Example:\n\n  clodura config set webhook-url https://hooks.example.com/clodura",
    no_args_is_help=True,
)

Name = Annotated[str, typer.Argument(help="Setting name, e.g. webhook-url.", metavar="NAME")]


@app.command()
def get(name: Name, profile: options.Profile = None) -> None:
    """Print the value in force and where it comes from.

    Example:

      clodura config get format
    """
    from clodura_cli.store.settings import load_profile, setting

    value, source = load_profile(profile).lookup(name)
    sys.stdout.write(f"{setting(name).shown(value)}\n")
    report.info(f"({source})")


@app.command(name="set")
def set_(
    name: Name,
    value: Annotated[
        str | None,
        typer.Argument(
            help="The new value (a secret, such as webhook-secret, is read from stdin instead).",
            metavar="[VALUE]",
        ),
    ] = None,
    profile: options.Profile = None,
) -> None:
    """Store a setting in the profile.

    Examples:

      clodura config set format csv

      clodura config set base-url http://127.0.0.1:8765 --profile local

      clodura config set webhook-secret < secret.txt
    """
    from clodura_cli.api.errors import UsageError
    from clodura_cli.store.settings import active_profile, save_setting, setting

    spec = setting(name)
    if spec.secret:
        if value is not None:
            raise UsageError(
                f"{name}: give the value on standard input, not on the command line (ps and the "
                f"shell's history would show it): clodura config set {name} < FILE"
            )
        value = _read_secret(name)
    elif value is None:
        raise UsageError(f"config set {name}: give the new value")
    stored = save_setting(active_profile(profile), name, value)
    report.info(f"{name} = {spec.shown(stored)} (profile {active_profile(profile)!r})")


def _read_secret(name: str) -> str:
    """A secret from standard input: a hidden prompt on a terminal, else its first line."""
    from clodura_cli.cli import terminal

    if terminal.can_ask():
        return str(typer.prompt(name, hide_input=True, err=True))
    return sys.stdin.readline().strip()


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
        shown = spec.shown(value)
        sys.stdout.write(f"{name} = {shown}  # {source}; {spec.help}; env {spec.env}\n")


@app.command()
def path() -> None:
    """Print where the config file, keys, presets, your own layouts, data and cached help live.

    Example:

      clodura config path
    """
    from clodura_cli.store import config, layouts

    write_os_text(  # paths: as the bytes they are, whatever the locale
        f"config: {config.config_file()}\nkeys: {config.credentials_file()}\n"
        f"presets: {config.presets_dir()}\nlayouts: {layouts.user_dir()}\n"
        f"data: {config.data_dir()}\ncache: {config.help_cache_dir()}\n"
    )

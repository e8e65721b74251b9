"""`clodura auth`: store, show and remove the API key of a profile."""

import sys
from typing import Annotated, NamedTuple

import typer

from clodura_cli.api.errors import UsageError
from clodura_cli.cli import options, report, terminal
from clodura_cli.cli.options import F

app = typer.Typer(
    help="Store, check and remove your API key.\n\nExample:\n\n  clodura auth login",
    no_args_is_help=True,
)

Check = Annotated[
    bool, typer.Option("--check", help="Ask the API (one credits call) whether the key works.")
]


class Account(NamedTuple):
    """Whose key, and where to check it with the API (``check``)."""

    profile: str
    base_url: str | None
    check: bool


def with_account(function: F) -> F:
    """--check, --profile and --base-url, handed over as one ``account: Account``."""
    params = [("check", Check, False), ("profile", options.Profile, None),
              ("base_url", options.BaseUrl, None)]  # fmt: skip

    def build(check: bool, profile: str | None, base_url: str | None) -> Account:
        from clodura_cli.store.settings import active_profile

        return Account(active_profile(profile), base_url, check)

    return options.inject(function, "account", params, build)


@app.command()
@with_account
def login(
    with_key: Annotated[
        bool, typer.Option("--with-key", help="Read the key from stdin instead of a prompt.")
    ] = False,
    *,
    account: Account,
) -> None:
    """Store an API key for a profile: a hidden prompt, or stdin with --with-key.

    Examples:

      clodura auth login

      clodura auth login --with-key --profile work < key.txt
    """
    from clodura_cli.store.credentials import check_key_text, store_key

    name = account.profile
    if with_key:
        key = sys.stdin.readline()
    elif terminal.is_terminal("stdin"):
        key = typer.prompt(f"API key for profile {name!r}", hide_input=True, err=True)
    else:
        raise UsageError(
            "auth login: standard input is not a terminal; pipe the key with --with-key"
        )
    key = check_key_text(key)
    report.add_secret(key)
    if account.check:
        _check(name, account.base_url, key)  # before storing: a key the API refuses is not kept
    path = store_key(name, key)
    report.info(f"key stored for profile {name!r} in {path} (readable by you only)")


@app.command()
@with_account
def status(*, account: Account) -> None:
    """Show which profile and key are in use, and where the key comes from.

    Examples:

      clodura auth status

      clodura auth status --check --profile work
    """
    from clodura_cli.store.credentials import find_key, insecure_store_warning, require_key

    name = account.profile
    found = find_key(name)
    sys.stdout.write(f"profile: {name}\n")
    if found is None:
        sys.stdout.write("key: none\n")
        require_key(name)  # raises: no key, and how to give one
        return
    report.add_secret(found.key)
    where = "CLODURA_API_KEY" if found.origin == "environment" else str(found.path)
    sys.stdout.write(f"key: {found.masked} (from {where})\n")
    warning = insecure_store_warning()
    if warning:
        report.warn(warning)
    if account.check:
        _check(name, account.base_url)


@app.command()
def logout(profile: options.Profile = None) -> None:
    """Remove the stored key of a profile.

    Example:

      clodura auth logout --profile work
    """
    from clodura_cli.store.credentials import remove_key
    from clodura_cli.store.settings import active_profile

    name = active_profile(profile)
    if remove_key(name):
        report.info(f"key of profile {name!r} removed")
    else:
        report.info(f"profile {name!r} had no stored key")


def _check(profile: str, base_url: str | None, key: str | None = None) -> None:
    from clodura_cli.cli.session import ApiOptions, open_client
    from clodura_cli.credits import plan_family
    from clodura_cli.store import config

    if config.env_flag(config.ENV_SANDBOX):
        sys.stdout.write(
            f"check: {config.ENV_SANDBOX} is set, so commands use the built-in sandbox; the key "
            "was not checked against the API (unset it to check)\n"
        )
        return
    options = ApiOptions(base_url=base_url, profile_name=profile, key=key)
    with open_client(options) as client:
        family = plan_family(client.credits())
    sys.stdout.write(f"check: the API accepts the key ({family or 'unknown'} plan)\n")

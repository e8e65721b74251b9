"""Building the API client a command uses: real API or sandbox, key, base URL, retries, logging."""

import os
from typing import TYPE_CHECKING, Any, NamedTuple

from clodura_cli.cli import report, terminal
from clodura_cli.store import config

if TYPE_CHECKING:
    from collections.abc import Mapping

    from clodura_cli.api.client import CloduraClient
    from clodura_cli.api.transport import Sender
    from clodura_cli.store.settings import Profile

ENV_CA_BUNDLE = "CLODURA_CA_BUNDLE"
SANDBOX_NOTICE = (
    "sandbox: synthetic data from the built-in emulator; no API key used, no real credits spent"
)


class _Given(NamedTuple):
    """What the API options were given (see ``ApiOptions``)."""

    sandbox: bool = False
    base_url: str | None = None
    verbose: bool = False
    profile_name: str | None = None
    #: A key to use instead of the one in force (`auth login --check` tries it before storing).
    key: str | None = None


class ApiOptions(_Given):
    """The options every API command shares, and the profile they are resolved against.

    A named tuple's subclass: the values given are fields, and the profile, read on first use,
    is kept in the instance's own attributes."""

    _profile: "Profile | None" = None

    def __repr__(self) -> str:
        # The key is never shown, wherever an ApiOptions is printed.
        return f"ApiOptions(sandbox={self.sandbox}, profile_name={self.profile_name!r})"

    @property
    def use_sandbox(self) -> bool:
        """True for --sandbox or CLODURA_SANDBOX=1."""
        return self.sandbox or config.env_flag(config.ENV_SANDBOX)

    @property
    def profile(self) -> "Profile":
        """The active profile (--profile, CLODURA_PROFILE, or default), read once."""
        if self._profile is None:
            from clodura_cli.store.settings import ENV_PROFILE, check_profile_exists, load_profile

            self._profile = load_profile(self.profile_name)
            if self.profile_name or os.environ.get(ENV_PROFILE):
                check_profile_exists(self._profile.name)
        return self._profile

    def setting(self, name: str, flag: Any = None) -> Any:
        """A setting in force: the flag, else CLODURA_<NAME>, else the profile's, else built-in."""
        return self.profile.get(name, flag)

    def resolved_base_url(self) -> str:
        """--base-url, else CLODURA_BASE_URL, else the profile's base-url, else the public API."""
        from clodura_cli.api.urls import check_base_url

        return check_base_url(str(self.setting("base-url", self.base_url)))

    def output_format(self, fmt: str | None, output: str | None) -> str:
        """--format, else the --output extension, else the format setting, else by terminal;
        a format that cannot be written here (a workbook to a terminal, a library missing) is
        refused before anything is sent."""
        chosen = self._chosen_format(fmt, output)
        from clodura_cli.api.errors import UsageError
        from clodura_cli.store.formats import FORMATS, check_available

        if FORMATS[chosen].binary and terminal.output_to_terminal(output):
            raise UsageError(
                f"--format {chosen}: a workbook is bytes, not for a terminal; write it to a file "
                f"with -o results.{chosen}, or redirect standard output"
            )
        check_available(chosen)
        if fmt and output:
            from clodura_cli.store.formats import format_for_suffix

            named = format_for_suffix(output)
            if named not in (None, chosen, "table"):  # a .txt holds any text
                # A workbook in a .csv (or CSV in a .json) opens as garbage in the tool the
                # name chooses.
                report.warn(f"--output {output}: its name says {named}, but {chosen} is written "
                            f"(-f {chosen}); name it {FORMATS[chosen].extensions[0]} to open "
                            "it as that")  # fmt: skip
        return chosen

    def _chosen_format(self, fmt: str | None, output: str | None) -> str:
        from clodura_cli.output import format_for_path

        if fmt:
            return fmt
        if output:
            return format_for_path(output)
        configured = self.setting("format")
        to_terminal = terminal.is_terminal("stdout")
        if configured and not (to_terminal and _binary(str(configured))):
            return str(configured)  # a workbook setting is for files and pipes, not a terminal
        return "table" if to_terminal else "jsonl"

    def bom(self, flag: bool) -> bool:
        """--bom, else the csv-bom setting."""
        return bool(self.setting("csv-bom", True if flag else None))

    def webhook_secret(self) -> str | None:
        """The secret deliveries are checked with: the webhook-secret setting (or
        CLODURA_WEBHOOK_SECRET), else under --sandbox the sandbox's own."""
        secret = self.setting("webhook-secret")
        if secret is None and self.use_sandbox:
            from clodura_cli.sandbox.keys import WEBHOOK_SECRET

            return WEBHOOK_SECRET
        return str(secret) if secret else None

    def account(self) -> str | None:
        """The account this profile acts for (the URL and a key hash), or None when no key is
        at hand: reading the key store never fails here."""
        from clodura_cli.api.urls import account_id

        if self.use_sandbox:
            from clodura_cli.sandbox.keys import DEFAULT_KEY, SANDBOX_KEYS

            env_key = os.environ.get(config.ENV_API_KEY, "").strip()
            return account_id("sandbox", env_key if env_key in SANDBOX_KEYS else DEFAULT_KEY)
        from clodura_cli.api.errors import CloduraError
        from clodura_cli.store.credentials import find_key

        try:
            found = find_key(self.profile.name)
            return account_id(self.resolved_base_url(), found.key) if found else None
        except CloduraError:
            return None

    def polling(self, account: str, ledger: Any) -> Any:
        """How the track endpoint is used for this account's API (the track-endpoint setting,
        and what ``ledger`` remembers of it)."""
        from clodura_cli.reveal import Polling

        base = account.split("#", maxsplit=1)[0]
        mode = str(self.setting("track-endpoint"))
        return Polling(base, mode, ledger.deliveries(), remember=not self.use_sandbox)


class Connection(NamedTuple):
    """An API client and the account it acts for (a URL and a key hash, never the key)."""

    client: "CloduraClient"
    account: str


def _binary(name: str) -> bool:
    """A format of bytes (a workbook), never for a terminal."""
    from clodura_cli.store.formats import FORMATS

    return name in FORMATS and FORMATS[name].binary


def open_client(
    options: ApiOptions, *, concurrency: int = 4, rate: float | None = None, lazy: bool = False
) -> "CloduraClient":
    """A client for the real API, or for the in-process emulator under --sandbox (``lazy``:
    see ``CloduraClient``)."""
    return open_connection(options, concurrency=concurrency, rate=rate, lazy=lazy).client


def warn_base_url_unused(options: ApiOptions) -> None:
    """Under the sandbox, a base URL given for this run (a flag, or the environment a script
    exported for `sandbox serve`) is not used: say so, rather than answer from elsewhere."""
    from clodura_cli.store.settings import SETTINGS

    env = SETTINGS["base-url"].env
    given = "--base-url" if options.base_url else env if os.environ.get(env, "").strip() else None
    if given:
        by, undo = (
            ("--sandbox", "leave --sandbox out")
            if options.sandbox
            else (f"{config.ENV_SANDBOX}=1", f"unset {config.ENV_SANDBOX}")
        )
        url = options.base_url or os.environ[env].strip()
        report.warn(f"{given} is not used: {by} answers in this process (to reach {url}, {undo})")


def open_connection(
    options: ApiOptions, *, concurrency: int = 4, rate: float | None = None, lazy: bool = False
) -> Connection:
    """The client and account for a command: the real API, or the emulator under --sandbox.

    Requests share one throttle: at most ``concurrency`` in flight and ``rate`` per second
    (--rate, or the rate setting), both lowered on 429 and raised again slowly.
    """
    from clodura_cli.api import retry as retry_settings
    from clodura_cli.api.client import CloduraClient
    from clodura_cli.api.throttle import Throttle
    from clodura_cli.api.urls import DEFAULT_BASE_URL, account_id

    timeout = float(options.setting("timeout"))
    policy = retry_settings.RetryPolicy(
        max_retries=int(options.setting("max-retries")),
        initial_delay=retry_settings.INITIAL_DELAY,
        max_delay=retry_settings.MAX_DELAY,
        retry_after_cap=retry_settings.RETRY_AFTER_CAP,
    )

    throttle = Throttle(concurrency, options.setting("rate", rate))

    def make(key: str, base_url: str, sender: Any = None) -> "CloduraClient":
        return CloduraClient(
            key,
            base_url,
            sender=sender,
            timeout=timeout,
            retry=policy,
            on_event=report.RequestReporter(
                options.verbose, debug=config.env_flag(config.ENV_DEBUG)
            ),
            max_connections=max(concurrency, 1),
            throttle=throttle,
            verify=tls_verification(),
            max_response_bytes=int(options.setting("max-response-mb")) * 1024 * 1024,
            lazy=lazy,
        )

    if options.use_sandbox:
        from clodura_cli.sandbox import runtime
        from clodura_cli.sandbox.keys import DEFAULT_KEY, SANDBOX_KEYS

        report.info(SANDBOX_NOTICE)
        warn_base_url_unused(options)
        env_key = os.environ.get(config.ENV_API_KEY, "").strip()
        key = env_key if env_key in SANDBOX_KEYS else DEFAULT_KEY
        if env_key.startswith("sandbox-") and env_key not in SANDBOX_KEYS:
            # A sandbox key mistyped picks no plan: said, with the plan used instead (the
            # value itself is never shown: only the sandbox's own key names are).
            import difflib

            close = difflib.get_close_matches(env_key, list(SANDBOX_KEYS), n=1)
            meant = f"did you mean {close[0]!r}? " if close else ""
            report.warn(f"{config.ENV_API_KEY} is not one of the sandbox's keys; {meant}using "
                        f"{DEFAULT_KEY} (`clodura sandbox keys` lists them)")  # fmt: skip
        settings, data_dir = runtime.settings_from_environment(), config.data_dir()

        def direct(headers: "Mapping[str, str]", timeout: float) -> "Sender":
            # Made with the client, or with a lazy client's first request (a search answered
            # from the page cache loads no emulator).
            return runtime.DirectSender(
                runtime.in_process_app(data_dir, settings), headers, timeout
            )

        return Connection(make(key, DEFAULT_BASE_URL, direct), account_id("sandbox", key))
    from clodura_cli.cli.exit_codes import note_key_source
    from clodura_cli.store.credentials import insecure_store_warning, require_key

    base_url = options.resolved_base_url()
    if options.key is not None:
        key = options.key
        note_key_source("you entered")
    else:
        found = require_key(options.profile.name)
        key = found.key
        if found.origin == "file":
            note_key_source(f"stored for profile {options.profile.name!r} ({found.path})")
        else:
            note_key_source(f"in {config.ENV_API_KEY}")
    report.add_secret(key)
    warning = insecure_store_warning()
    if warning:
        report.warn(warning)
    return Connection(make(key, base_url), account_id(base_url, key))


def tls_verification() -> Any:
    """Certificates are always verified; CLODURA_CA_BUNDLE adds a corporate proxy's CA to the
    public ones (the system's and those httpx trusts), never replaces them."""
    bundle = os.environ.get(ENV_CA_BUNDLE, "").strip()
    if not bundle:
        return True
    import ssl

    import certifi

    context = ssl.create_default_context()  # the system's CAs
    context.load_verify_locations(cafile=certifi.where())
    try:
        context.load_verify_locations(cafile=bundle)
    except (OSError, ssl.SSLError) as exc:
        from clodura_cli.api.errors import UsageError

        raise UsageError(f"{ENV_CA_BUNDLE}: cannot load {bundle!r} ({exc})") from None
    return context

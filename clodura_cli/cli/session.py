"""Building the API client a command uses: real API or sandbox, key, base URL, retries, logging."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clodura_cli import config
from clodura_cli.cli import report

if TYPE_CHECKING:
    from clodura_cli.client import CloduraClient

SANDBOX_NOTICE = (
    "sandbox: synthetic data from the built-in emulator; no API key used, no real credits spent"
)


@dataclass(frozen=True)
class ApiOptions:
    """The options every API command shares."""

    sandbox: bool = False
    base_url: str | None = None
    verbose: bool = False

    @property
    def use_sandbox(self) -> bool:
        """True for --sandbox or CLODURA_SANDBOX=1."""
        return self.sandbox or config.env_flag(config.ENV_SANDBOX)

    def resolved_base_url(self) -> str:
        """--base-url, else CLODURA_BASE_URL, else the public API."""
        from clodura_cli.urls import DEFAULT_BASE_URL, check_base_url

        url = self.base_url or os.environ.get(config.ENV_BASE_URL) or DEFAULT_BASE_URL
        return check_base_url(url)


@dataclass
class Connection:
    """An API client and the account it acts for (a URL and a key hash, never the key)."""

    client: CloduraClient
    account: str
    sandbox: bool


def open_client(options: ApiOptions, *, max_connections: int = 16) -> CloduraClient:
    """A client for the real API, or for the in-process emulator under --sandbox."""
    return open_connection(options, max_connections=max_connections).client


def open_connection(options: ApiOptions, *, max_connections: int = 16) -> Connection:
    """The client and account for a command: the real API, or the emulator under --sandbox."""
    from clodura_cli import retry as retry_settings
    from clodura_cli.client import DEFAULT_BASE_URL, CloduraClient
    from clodura_cli.ledger import account_id

    timeout = config.number_setting(config.ENV_TIMEOUT, 30.0, minimum=0.1, maximum=600)
    retries = config.number_setting(config.ENV_MAX_RETRIES, 4, minimum=0, maximum=20)
    policy = retry_settings.RetryPolicy(
        max_retries=int(retries),
        initial_delay=retry_settings.INITIAL_DELAY,
        max_delay=retry_settings.MAX_DELAY,
        retry_after_cap=retry_settings.RETRY_AFTER_CAP,
    )

    def make(key: str, base_url: str, transport: Any = None) -> CloduraClient:
        return CloduraClient(
            key,
            base_url,
            transport=transport,
            timeout=timeout,
            retry=policy,
            on_event=report.RequestReporter(options.verbose),
            max_connections=max_connections,
        )

    if options.use_sandbox:
        from clodura_cli.sandbox.keys import DEFAULT_KEY, SANDBOX_KEYS
        from clodura_cli.sandbox.runtime import SandboxTransport, in_process_app

        report.info(SANDBOX_NOTICE)
        env_key = os.environ.get(config.ENV_API_KEY, "").strip()
        key = env_key if env_key in SANDBOX_KEYS else DEFAULT_KEY
        app = in_process_app(config.data_dir())
        client = make(key, DEFAULT_BASE_URL, SandboxTransport(app))
        return Connection(client, account_id("sandbox", key), sandbox=True)
    base_url = options.resolved_base_url()
    key = config.api_key()
    report.add_secret(key)
    client = make(key, base_url)
    return Connection(client, account_id(base_url, key), sandbox=False)

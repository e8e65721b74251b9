"""Building the API client a command uses: real API or sandbox, key, base URL, retries, logging."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clodura_cli import config
from clodura_cli.cli import report

if TYPE_CHECKING:
    from clodura_cli.client import CloduraClient

SANDBOX_NOTICE = (
    "sandbox: synthetic data from the built-in emulator; no API key used, no credits spent"
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
        from clodura_cli.client import DEFAULT_BASE_URL, check_base_url

        url = self.base_url or os.environ.get(config.ENV_BASE_URL) or DEFAULT_BASE_URL
        return check_base_url(url)


def open_client(options: ApiOptions, *, max_connections: int = 16) -> CloduraClient:
    """A client for the real API, or for the in-process emulator under --sandbox."""
    from clodura_cli import retry as retry_settings
    from clodura_cli.client import DEFAULT_BASE_URL, CloduraClient

    timeout = config.number_setting(config.ENV_TIMEOUT, 30.0, minimum=0.1, maximum=600)
    retries = config.number_setting(config.ENV_MAX_RETRIES, 4, minimum=0, maximum=20)
    reporter = report.RequestReporter(options.verbose)
    retry = retry_settings.RetryPolicy(
        max_retries=int(retries),
        initial_delay=retry_settings.INITIAL_DELAY,
        max_delay=retry_settings.MAX_DELAY,
        retry_after_cap=retry_settings.RETRY_AFTER_CAP,
    )
    if options.use_sandbox:
        from clodura_cli.sandbox.keys import DEFAULT_KEY, SANDBOX_KEYS
        from clodura_cli.sandbox.runtime import SandboxTransport, in_process_app

        report.info(SANDBOX_NOTICE)
        env_key = os.environ.get(config.ENV_API_KEY, "").strip()
        key = env_key if env_key in SANDBOX_KEYS else DEFAULT_KEY
        app = in_process_app(config.data_dir())
        return CloduraClient(
            key,
            DEFAULT_BASE_URL,
            transport=SandboxTransport(app),
            timeout=timeout,
            retry=retry,
            on_event=reporter,
            max_connections=max_connections,
        )
    base_url = options.resolved_base_url()
    key = config.api_key()
    report.add_secret(key)
    return CloduraClient(
        key,
        base_url,
        timeout=timeout,
        retry=retry,
        on_event=reporter,
        max_connections=max_connections,
    )

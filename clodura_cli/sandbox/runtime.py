"""Running the emulator in-process: one app per data directory, called directly or via httpx."""

from __future__ import annotations

import io
import json
import os
import shutil
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clodura_cli.api.errors import APIConnectionError, APITimeoutError
from clodura_cli.api.transport import Reply, Request
from clodura_cli.sandbox.dialects import ENV_DIALECT, check_dialect
from clodura_cli.sandbox.faults import Faults

if TYPE_CHECKING:  # the emulator itself is loaded with the first request, not before
    import httpx

    from clodura_cli.sandbox.app import SandboxApp

JOB_DELAY_ENV = "CLODURA_SANDBOX_JOB_DELAY"
#: off: the sandbox has no track endpoint (404), like an API that only posts to webhooks.
TRACK_ENV = "CLODURA_SANDBOX_TRACK"
FAULTS_ENV = "CLODURA_SANDBOX_FAULTS"
_apps: dict[Path, SandboxApp] = {}
_apps_lock = threading.Lock()


def state_path(data_dir: Path) -> Path:
    """Where the sandbox keeps what must outlive a process."""
    return data_dir / "sandbox" / "state.db"


def settings_from_environment() -> dict[str, Any]:
    """The emulator's settings from CLODURA_SANDBOX_JOB_DELAY, CLODURA_SANDBOX_FAULTS (JSON),
    CLODURA_SANDBOX_DIALECT and CLODURA_SANDBOX_TRACK, read before anything is sent (a bad
    one fails the run then, not at its first request)."""
    faults = Faults.from_mapping(json.loads(os.environ.get(FAULTS_ENV) or "{}"))
    delay = os.environ.get(JOB_DELAY_ENV)
    track = os.environ.get(TRACK_ENV, "on").strip().lower() not in ("off", "0", "false")
    return {
        "faults": faults,
        "job_delay": None if not delay else float(delay),
        "dialect": check_dialect(os.environ.get(ENV_DIALECT) or "default"),
        "track": track,
    }


def in_process_app(data_dir: Path, settings: dict[str, Any] | None = None) -> SandboxApp:
    """The emulator of this process for a data directory (one per directory, made on first use),
    with ``settings`` (by default those of the environment: ``settings_from_environment``)."""
    from clodura_cli.sandbox.app import DEFAULT_JOB_DELAY, SandboxApp

    with _apps_lock:
        app = _apps.get(data_dir)
        if app is None:
            chosen = settings if settings is not None else settings_from_environment()
            delay = chosen["job_delay"]
            app = SandboxApp(
                state_path(data_dir),
                job_delay=DEFAULT_JOB_DELAY if delay is None else delay,
                faults=chosen["faults"],
                dialect=chosen["dialect"],
                track=chosen["track"],
            )
            _apps[data_dir] = app
        return app


def forget_apps() -> None:
    """Drop every in-process emulator (tests start each case afresh)."""
    with _apps_lock:
        for app in _apps.values():
            app.close()
        _apps.clear()


def reset(data_dir: Path) -> bool:
    """Delete the sandbox's persisted state; True when there was some."""
    forget_apps()
    folder = state_path(data_dir).parent
    existed = folder.exists()
    try:
        shutil.rmtree(folder)
    except FileNotFoundError:
        pass
    except OSError as exc:  # never "cleared" when it was not
        from clodura_cli.api.errors import LocalStateError

        raise LocalStateError(
            f"the sandbox's state {folder} cannot be removed ({exc.strerror}); fix the "
            "folder's permissions and run `clodura sandbox reset` again"
        ) from None
    return existed


class DirectSender:
    """Carries the client's requests straight into the emulator: no socket, no httpx.

    Its simulated faults become the transport errors a network would give.
    """

    def __init__(self, app: SandboxApp, headers: Mapping[str, str], timeout: float) -> None:
        self.app = app
        self.headers = dict(headers)
        self.timeout = timeout

    def send(self, request: Request) -> Reply:
        """Call the emulator as a WSGI server would: the path in PATH_INFO, the query in
        QUERY_STRING."""
        from urllib.parse import urlencode

        path, body = request.path, request.body
        raw = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method,
            "PATH_INFO": path,
            "QUERY_STRING": urlencode(request.params or {}, doseq=True),
            "CONTENT_LENGTH": str(len(raw)),
            "CONTENT_TYPE": "application/json",
            "wsgi.input": io.BytesIO(raw),
            "clodura.read_timeout": self.timeout,
        }
        for name, value in {**(request.headers or {}), **self.headers}.items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            answer["status"] = int(status.split(maxsplit=1)[0])
            answer["headers"] = {name.lower(): value for name, value in headers}

        from clodura_cli.sandbox.app import DroppedConnection, SimulatedTimeout

        try:
            content = b"".join(self.app(environ, start_response))
        except DroppedConnection:
            raise APIConnectionError(
                "connection failed (Server disconnected without sending a response.)",
                path,
                request_sent=True,
            ) from None
        except SimulatedTimeout:
            raise APITimeoutError(
                "timed out (The read operation timed out)", path, request_sent=True
            ) from None
        return Reply(answer["status"], answer["headers"], content)

    def close(self) -> None:
        """Nothing to release."""


def sandbox_transport(app: SandboxApp) -> httpx.BaseTransport:
    """The emulator behind an httpx transport (for tests of the httpx path)."""
    import httpx

    from clodura_cli.sandbox.app import DroppedConnection, SimulatedTimeout

    class SandboxTransport(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            read_timeout = request.extensions.get("timeout", {}).get("read")

            def app_with_timeout(environ: dict[str, Any], start_response: Any) -> Any:
                environ["clodura.read_timeout"] = read_timeout
                return app(environ, start_response)

            try:
                return httpx.WSGITransport(app=app_with_timeout).handle_request(request)
            except DroppedConnection:
                raise httpx.RemoteProtocolError(
                    "Server disconnected without sending a response.", request=request
                ) from None
            except SimulatedTimeout:
                raise httpx.ReadTimeout("The read operation timed out", request=request) from None

    return SandboxTransport()

"""The `clodura` application: commands, --version, and the one place errors become exit codes."""

import contextlib
import importlib
import os
import signal
import sys
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from clodura_cli import version_line
from clodura_cli.api.errors import CloduraError
from clodura_cli.base import encoding, stopping
from clodura_cli.cli import collector, complete, report, terminal
from clodura_cli.cli.exit_codes import ExitCode, classify
from clodura_cli.store import config

HELP = """Prospect with the Clodura B2B data API from the terminal, pipelines and cron.

Try it without a key: clodura search --sandbox --seniority CEO

  clodura search --seniority CEO --employees 51-200 -o ceos.csv

Exit codes and what they mean: clodura help exit-codes
"""


def _set_quiet(ctx: Any, param: Any, value: bool) -> None:
    if value:
        report.set_quiet(True)


def _quiet_option() -> Any:
    from typer.core import TyperOption

    return TyperOption(
        param_decls=["-q", "--quiet"],
        is_flag=True,
        default=False,
        expose_value=False,
        is_eager=True,
        callback=_set_quiet,
        help="No notices, banner, progress or summaries; errors, and warnings that change the "
        "result, still print.",
    )


def _set_timestamps(ctx: Any, param: Any, value: bool) -> None:
    if value:
        report.set_timestamps(True)


def _timestamps_option() -> Any:
    from typer.core import TyperOption

    return TyperOption(
        param_decls=["--log-timestamps"],
        is_flag=True,
        default=False,
        expose_value=False,
        is_eager=True,
        callback=_set_timestamps,
        help="Start every stderr line with an ISO 8601 time, for logs (or set "
        f"{report.ENV_LOG_TIMESTAMPS} to 1).",
    )


def _add_quiet(command: Any, *, root: bool = False) -> None:
    """-q/--quiet and --log-timestamps on every command (and before it: `clodura -q ...`),
    declared once here rather than in every signature."""
    subcommands = getattr(command, "commands", None)
    for sub in (subcommands or {}).values():
        _add_quiet(sub)
    if (root or subcommands is None) and not any(
        "--quiet" in getattr(param, "opts", ()) for param in command.params
    ):
        command.params.append(_quiet_option())
        command.params.append(_timestamps_option())


def _as_it_runs(root: Any) -> None:
    """The root command as it runs: -q on every command, typer's completion options hidden."""
    _add_quiet(root, root=True)
    for param in root.params:
        # `clodura completion SHELL` prints the scripts: typer's own two options would
        # only be a second, different way.
        if param.name in ("install_completion", "show_completion"):
            param.hidden = True


def running_command() -> Any:
    """The whole application's root command as it runs (what the completion scripts hold)."""
    from typer.main import get_command

    root = get_command(build_app())
    _as_it_runs(root)
    return root


class CloduraGroup(TyperGroup):
    """Runs a command and turns whatever it raises into a message and an exit code."""

    def make_context(self, info_name: str | None, args: list[str], *a: Any, **kw: Any) -> Any:
        report.set_quiet(False)
        report.set_timestamps(config.env_flag(report.ENV_LOG_TIMESTAMPS))
        encoding.tell_with(report.warn)
        _as_it_runs(self)
        try:
            return super().make_context(info_name, args, *a, **kw)
        except typer.TyperException as exc:
            _usage_error(exc)

    def invoke(self, ctx: Any) -> Any:
        collector.resume()
        try:
            return super().invoke(ctx)
        except typer.Abort:
            if not stopping.is_stopping():
                raise
            report.error("interrupted")  # Ctrl-C at a prompt
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except typer.Exit:
            raise
        except typer.TyperException as exc:
            _usage_error(exc)
        except CloduraError as exc:
            code, message = classify(exc)
            report.error(message)
            raise typer.Exit(int(code)) from None
        except KeyboardInterrupt:
            report.error("interrupted")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except Terminated:
            report.error("terminated")
            raise typer.Exit(int(ExitCode.TERMINATED)) from None
        except BrokenPipeError:
            # The reader went away (`| head`): nothing more to say, and nothing went wrong.
            _silence_stdout()
            raise typer.Exit(int(ExitCode.OK)) from None
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            report.error(
                f"cannot write or read{where}: {exc.strerror or exc} "
                "(check free disk space and permissions; a file given with --output is not left "
                "half-written)"
            )
            raise typer.Exit(int(ExitCode.INTERNAL)) from None
        except Exception as exc:
            if config.env_flag(config.ENV_DEBUG):
                raise
            report.error(
                f"unexpected internal error: {type(exc).__name__}: {report.redact(str(exc))} "
                f"(run again with {config.ENV_DEBUG}=1 to see the traceback, and report it)"
            )
            raise typer.Exit(int(ExitCode.INTERNAL)) from None


def _usage_error(exc: Exception) -> NoReturn:
    """A command-line mistake as one line on stderr, instead of typer's boxed panel."""
    if type(exc).__name__ == "NoArgsIsHelpError":  # typer shows the help for it
        raise exc
    ctx = getattr(exc, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    format_message = getattr(exc, "format_message", lambda: str(exc))
    message = format_message()
    if type(exc).__name__ == "NoSuchOption" and ctx is not None:
        message = _no_such_option(str(getattr(exc, "option_name", "")), ctx)
    report.error(f"{message}{hint}")
    raise typer.Exit(getattr(exc, "exit_code", int(ExitCode.USAGE))) from None


def _no_such_option(typed: str, ctx: Any) -> str:
    """An unknown flag with the one it most likely means, by the same ranking as values
    (click offered its close matches in alphabetical order: --city before --seniority)."""
    from clodura_cli.base import fuzzy

    params = [*ctx.command.params, ctx.command.get_help_option(ctx)]
    flags = [flag for param in params if param is not None
             for flag in (*getattr(param, "opts", ()), *getattr(param, "secondary_opts", ()))
             if flag.startswith("--")]  # fmt: skip
    close = fuzzy.best(typed.lstrip("-"), [flag[2:] for flag in flags])
    guess = f"; did you mean --{close}?" if close else ""
    return f"No such option: {typed}{guess}"


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C, so that partial files are removed."""


def _on_sigterm(signum: int, frame: Any) -> None:
    stopping.begin()
    raise Terminated()


def _on_sigint(signum: int, frame: Any) -> None:
    stopping.begin()
    raise KeyboardInterrupt()


def _silence_stdout() -> None:
    terminal.silence_stdout()


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(version_line())
        raise typer.Exit()


def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Prospect with the Clodura B2B data API."""


#: Every command, in the order help lists them, and its module under cli/commands, imported
#: only when the command runs. A module holds a group of commands (``app``, a typer.Typer) or
#: one command: the function of the command's name, its help's epilog in ``EXAMPLES``.
COMMANDS: dict[str, str] = {
    "search": "search_cmd",
    "orgs": "orgs_cmd",
    "reveal": "reveal_cmd",
    "track": "track_cmd",
    "listen": "listen_cmd",
    "verify": "verify_cmd",
    "enrich": "enrich_cmd",
    "news": "news_cmd",
    "credits": "credits_cmd",
    "preset": "preset_cmd",
    "values": "values_cmd",
    "auth": "auth_cmd",
    "config": "config_cmd",
    "sandbox": "sandbox_cmd",
    "api": "api_cmd",
    "completion": "completion_cmd",
    "help": "help_cmd",
}


#: A command's line in the top-level help where its help's first sentence is too long for one
#: line at 80 columns (the list must fit a 40-line screen).
SHORT_HELP = {
    "orgs": "Search organisations with any of their filters",
    "listen": "Receive webhook deliveries into the ledger, until Ctrl-C",
    "news": "A company's news, one row per article",
    "api": "Call any endpoint with your key, as `gh api` does",
    "reveal": "Reveal emails or phone numbers, each paid for once",
    "enrich": "Enrich people or organisations, each paid for once",
}


def register(target: typer.Typer, name: str) -> None:
    """Add one command (or group) to the application: the one way every command is added."""
    module = importlib.import_module(f"clodura_cli.cli.commands.{COMMANDS[name]}")
    group = getattr(module, "app", None)
    if isinstance(group, typer.Typer):
        target.add_typer(group, name=name, short_help=SHORT_HELP.get(name))
        return
    function = getattr(module, name)
    brief = SHORT_HELP.get(name) or short_help(function.__doc__)
    target.command(name=name, epilog=getattr(module, "EXAMPLES", None),
                   short_help=brief)(function)  # fmt: skip


def short_help(doc: str | None) -> str | None:
    """A command's line in the command list: the first sentence of its help, on one line."""
    if not doc:
        return None
    first = " ".join(doc.strip().split("\n\n")[0].split())
    for end in (". ", ": ", "; "):
        first = first.split(end)[0]
    return first.rstrip(".")


def build_app(only: str | None = None) -> typer.Typer:
    """The application with every command, or with just the one about to run (faster start)."""
    built = typer.Typer(
        name="clodura",
        cls=CloduraGroup,
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=True,  # what answers the shells' TAB; its options are hidden below
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    built.callback()(root)
    for name in COMMANDS:
        if only is None or name == only:
            register(built, name)
    return built


def __getattr__(name: str) -> Any:
    # `app`, the whole application, is built on first use (tests, docs), not at import.
    if name == "app":
        globals()["app"] = built = build_app()
        return built
    raise AttributeError(name)


def main(args: list[str] | None = None) -> None:
    """Console-script entry point: build only the command that runs, so that start-up stays fast."""
    argv = sys.argv[1:] if args is None else list(args)
    first = argv[0] if argv else None
    completing = complete.COMPLETE_VAR in os.environ
    only = first if first in COMMANDS and not completing else None
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, _on_sigint)
    try:
        build_app(only)(args=argv, prog_name="clodura")
    except SystemExit as exc:
        if exc.code == 1 and isinstance(exc.__context__, BrokenPipeError):
            # Help printed into a closed pipe (`--help | head`): rich and typer exit 1 for it,
            # but the reader going away is no failure.
            _silence_stdout()
            raise SystemExit(0) from None
        if not stopping.is_stopping():
            raise
        # Interrupted: what had to be cleaned up was, on the way here. Threads still at work
        # (a request in flight, a lock the signal left taken) must not keep the process alive.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(exc.code if isinstance(exc.code, int) else int(ExitCode.INTERRUPTED))

"""The library layer stays free of the CLI stack; help and --version stay free of heavy imports."""

from __future__ import annotations

import ast
import functools
import json
import pkgutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import clodura_cli


def _modules(package: str) -> list[str]:
    found = pkgutil.walk_packages(clodura_cli.__path__, "clodura_cli.")
    return sorted(info.name for info in found if not info.ispkg and info.name.startswith(package))


#: Every module outside the command-line layer: derived from the package, never a hand list.
LIBRARY_MODULES = [
    m
    for m in _modules("clodura_cli.")
    if not m.startswith("clodura_cli.cli")
    and m != "clodura_cli.__main__"  # `python -m` runs the CLI
]
SANDBOX_MODULES = _modules("clodura_cli.sandbox.")
PACKAGE = Path(clodura_cli.__file__).parent

#: Which folder may import which: each floor only from the floors below it (the use cases
#: live at the top of the package, ""). The command line may import anything.
FLOORS = ("base", "api", "store", "")
MAY_IMPORT = {
    **{floor: set(FLOORS[: i + 1]) for i, floor in enumerate(FLOORS)},
    "sandbox": {"base", "api", "store", "sandbox"},
}
#: The only modules outside the sandbox that may import it: the command that serves it, the
#: session that runs it in-process, and the README's generator.
SANDBOX_USERS = {
    "clodura_cli.cli.session",
    "clodura_cli.cli.commands.sandbox_cmd",
    "clodura_cli.cli.docs",
}  # `make docs`: the README's table of sandbox endpoints


def folder_of(module: str) -> str:
    """The role folder a module sits in ("" for the use cases at the top of the package)."""
    parts = module.split(".")[1:]
    return parts[0] if len(parts) > 1 else ""


@functools.cache  # each module's source is parsed once for all the checks below
def imports_of(module: str) -> frozenset[str]:
    """Every clodura_cli module a module imports, lazily or not, read from its source."""
    path = PACKAGE.joinpath(*module.split(".")[1:]).with_suffix(".py")
    if not path.exists():
        path = path.with_suffix("") / "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("clodura_cli"):
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    found.add(sub if sub in ALL_MODULES else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("clodura_cli.")}
    return frozenset(m for m in found if m in ALL_MODULES)


ALL_MODULES = set(_modules("clodura_cli."))


@pytest.mark.parametrize("module", sorted(m for m in ALL_MODULES if m in LIBRARY_MODULES))
def test_no_arrow_runs_up_the_floors(module: str) -> None:
    allowed = MAY_IMPORT[folder_of(module)]
    upward = {m for m in imports_of(module) if folder_of(m) not in allowed and m != "clodura_cli"}
    assert upward == set(), f"{module} ({folder_of(module) or 'use cases'}) imports {upward}"


def test_only_the_serve_command_the_session_and_the_docs_import_the_sandbox() -> None:
    users = {
        m for m in ALL_MODULES
        if folder_of(m) != "sandbox" and any(i.startswith("clodura_cli.sandbox") for i in imports_of(m))
    }  # fmt: skip
    assert users == SANDBOX_USERS


def test_no_import_circle() -> None:
    graph = {m: imports_of(m) - {m} for m in ALL_MODULES}
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for other in sorted(graph[module]):
            if state.get(other) == 1:
                raise AssertionError(" -> ".join([*path[path.index(other) :], other]))
            if other not in state:
                visit(other, [*path, other])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def loaded_after(code: str) -> set[str]:
    """Top-level packages (and clodura_cli modules) imported after running ``code``."""
    probe = (
        "import sys, json, atexit\n"
        "atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.__stderr__))\n"
        + code
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    modules = json.loads(done.stderr.strip().splitlines()[-1])
    return {m if m.startswith("clodura_cli") else m.split(".")[0] for m in modules}


def _culprits(modules: list[str], unwanted: Callable[[str], bool]) -> str:
    """Which of ``modules``, each imported alone, loads something ``unwanted`` (on failure)."""
    found = {m: sorted(n for n in loaded_after(f"import {m}") if unwanted(n)) for m in modules}
    return "; ".join(f"{m} loads {', '.join(names)}" for m, names in found.items() if names)


@pytest.mark.slow
def test_no_library_module_imports_typer_rich_or_click() -> None:
    # All in one process (one per module cost 10 s of CPU): any of them importing the CLI stack
    # shows; which one is named by importing each alone, only when it fails.
    loaded = loaded_after("".join(f"import {m}\n" for m in LIBRARY_MODULES))
    assert set(LIBRARY_MODULES) <= loaded

    def cli_stack(name: str) -> bool:
        return name in ("typer", "rich", "click")

    assert not [m for m in loaded if cli_stack(m)], _culprits(LIBRARY_MODULES, cli_stack)


def test_the_module_lists_are_derived_and_complete() -> None:
    assert (
        "clodura_cli.api.answers" in LIBRARY_MODULES
        and "clodura_cli.sandbox.app" in LIBRARY_MODULES
    )
    assert not any(m.startswith("clodura_cli.cli") for m in LIBRARY_MODULES)
    assert len(LIBRARY_MODULES) >= 30
    assert set(SANDBOX_MODULES) <= set(LIBRARY_MODULES) and len(SANDBOX_MODULES) >= 10


@pytest.mark.slow
def test_the_sandbox_never_imports_the_cli() -> None:
    loaded = loaded_after("".join(f"import {m}\n" for m in SANDBOX_MODULES))
    assert set(SANDBOX_MODULES) <= loaded

    def cli(name: str) -> bool:
        return name.startswith("clodura_cli.cli")

    assert not [m for m in loaded if cli(m)], _culprits(SANDBOX_MODULES, cli)


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["search", "--help"]])
@pytest.mark.slow
def test_version_and_help_do_not_import_httpx_yaml_or_the_sandbox(args: list[str]) -> None:
    loaded = loaded_after(f"from clodura_cli.cli.app import main\nmain({args!r})")
    assert "clodura_cli.cli.app" in loaded
    heavy = {m for m in loaded if m in ("httpx", "yaml") or m.startswith("clodura_cli.sandbox")}
    assert heavy == set()


#: A command's body (its docstring aside) reads on one screen: the sequencing lives in the use
#: cases and the flows, the command only hands its options over.
MOST_COMMAND_LINES = 40


def _command_functions() -> dict[str, Callable[..., object]]:
    """Every command of the application, by its full name, as the function that was written
    (unwrapped from the option groups ``options.inject`` adds)."""
    import inspect

    from typer.main import get_command

    from clodura_cli.cli.app import app

    found: dict[str, Callable[..., object]] = {}

    def walk(command: object, name: str) -> None:
        for sub_name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{name} {sub_name}".strip())
        callback = getattr(command, "callback", None)
        if callback is not None and not getattr(command, "commands", None):
            found[name] = inspect.unwrap(callback)

    walk(get_command(app), "")
    return found


def test_no_command_body_is_over_forty_lines() -> None:
    import inspect
    import textwrap

    commands = _command_functions()
    assert {"search", "reveal email", "track", "sandbox serve", "enrich person"} <= set(commands)
    long = {}
    for name, function in commands.items():
        [node] = ast.parse(textwrap.dedent(inspect.getsource(function))).body
        assert isinstance(node, ast.FunctionDef), name
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the docstring is help, not code
        lines = body[-1].end_lineno - body[0].lineno + 1 if body and body[-1].end_lineno else 0
        if lines > MOST_COMMAND_LINES:
            long[name] = lines
    assert not long, f"command bodies over {MOST_COMMAND_LINES} lines: {long}"


def test_the_search_flow_keeps_to_flags_progress_and_messages() -> None:
    """Issue 24: what a search fetches, remembers and writes is `search_run`'s; the command
    line's flow stays under 150 lines (it had grown back to 285 with the workflow's features)."""
    flow = PACKAGE / "cli" / "commands" / "search_flow.py"
    lines = len(flow.read_text(encoding="utf-8").splitlines())
    assert lines < 150, f"{flow.name}: {lines} lines"

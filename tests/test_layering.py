"""The library layer stays free of the CLI stack; help and --version stay free of heavy imports."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

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


@pytest.mark.parametrize("module", LIBRARY_MODULES)
def test_library_module_imports_neither_typer_nor_rich(module: str) -> None:
    loaded = loaded_after(f"import {module}")
    assert module in loaded
    assert "typer" not in loaded
    assert "rich" not in loaded
    assert "click" not in loaded


def test_the_module_lists_are_derived_and_complete() -> None:
    assert "clodura_cli.answers" in LIBRARY_MODULES and "clodura_cli.sandbox.app" in LIBRARY_MODULES
    assert not any(m.startswith("clodura_cli.cli") for m in LIBRARY_MODULES)
    assert len(LIBRARY_MODULES) >= 30


@pytest.mark.parametrize("module", SANDBOX_MODULES)
def test_the_sandbox_never_imports_the_cli(module: str) -> None:
    loaded = loaded_after(f"import {module}")
    assert not {m for m in loaded if m.startswith("clodura_cli.cli")}, module


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["search", "--help"]])
def test_version_and_help_do_not_import_httpx_yaml_or_the_sandbox(args: list[str]) -> None:
    loaded = loaded_after(f"from clodura_cli.cli.app import main\nmain({args!r})")
    assert "clodura_cli.cli.app" in loaded
    heavy = {m for m in loaded if m in ("httpx", "yaml") or m.startswith("clodura_cli.sandbox")}
    assert heavy == set()

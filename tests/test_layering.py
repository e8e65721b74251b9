"""The library layer stays free of the CLI stack; help and --version stay free of heavy imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

LIBRARY_MODULES = [
    "clodura_cli.client",
    "clodura_cli.errors",
    "clodura_cli.filters",
    "clodura_cli.output",
    "clodura_cli.paging",
    "clodura_cli.parsing",
    "clodura_cli.retry",
    "clodura_cli.search",
    "clodura_cli.spec",
    "clodura_cli.config",
    "clodura_cli.sandbox.app",
    "clodura_cli.sandbox.runtime",
]


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


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["search", "--help"]])
def test_version_and_help_do_not_import_httpx_yaml_or_the_sandbox(args: list[str]) -> None:
    loaded = loaded_after(f"from clodura_cli.cli.app import main\nmain({args!r})")
    assert "clodura_cli.cli.app" in loaded
    heavy = {m for m in loaded if m in ("httpx", "yaml") or m.startswith("clodura_cli.sandbox")}
    assert heavy == set()

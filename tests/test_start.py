"""What every start pays for: patterns compiled only when used, no dataclasses on a dry run,
named tuples whose annotations are objects."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import clodura_cli
from clodura_cli.base.text import pattern


def started(probe: str, home: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """``probe`` run in a fresh interpreter, as a user's start, with folders of its own (and,
    unless ``settings`` say otherwise, no page cache: every search is sent)."""
    env = {"CLODURA_CONFIG_DIR": str(home / "c"), "CLODURA_DATA_DIR": str(home / "d"),
           "CLODURA_CACHE_DIR": str(home / "k"), "CLODURA_SEARCH_CACHE_TTL": "0",
           "PATH": "/usr/bin:/bin", **settings}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip


def test_a_pattern_compiles_on_first_use_then_answers_as_re_does() -> None:
    lazy = pattern(r"(\d+)-(\d+)", re.IGNORECASE)
    assert "match" not in vars(lazy)  # not compiled by being declared
    real = re.compile(r"(\d+)-(\d+)", re.IGNORECASE)
    for text in ("51-200", "x 1-2 y 3-4", "none"):
        found, expected = lazy.search(text), real.search(text)
        assert (found and found.groups()) == (expected and expected.groups())
        assert lazy.sub("N", text) == real.sub("N", text)
        assert lazy.findall(text) == real.findall(text)
        assert lazy.split(text) == real.split(text)
    assert (lazy.pattern, lazy.flags, lazy.groups) == (real.pattern, real.flags, real.groups)
    # Compiled once: every method is the same compiled pattern's, found on the instance.
    assert vars(lazy)["match"].__self__ is vars(lazy)["sub"].__self__


def test_a_dry_run_imports_no_dataclasses_and_compiles_only_what_it_uses(tmp_path: Path) -> None:
    """Each dataclass compiles its methods at every start, and each regular expression its
    program: a dry run, run as a user's start, pays for neither beyond what it uses."""
    probe = (
        "import sys, json, atexit, re\n"
        "compiled = []\n"
        "real = re.compile\n"
        "re.compile = lambda p, f=0: compiled.append(str(p)) or real(p, f)\n"
        "def report():\n"
        "    from clodura_cli.base.text import _LazyPattern\n"
        "    declared = [v._source for m in list(sys.modules.values())\n"
        "                if m and m.__name__.startswith('clodura_cli')\n"
        "                for v in vars(m).values() if isinstance(v, _LazyPattern)]\n"
        "    print(json.dumps([sorted(sys.modules), compiled, declared]), file=sys.__stderr__)\n"
        "atexit.register(report)\n"
        "sys.argv = ['clodura', 'search', '--dry-run', '--title', 'CEO', '--domain', 'acme.com']\n"
        "from clodura_cli.cli.entry import main\nmain()\n"
    )
    done = started(probe, tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["body"]["companyDomain"] == ["acme.com"]
    modules, compiled, declared = json.loads(done.stderr.strip().splitlines()[-1])
    assert "dataclasses" not in modules
    ours = [source for source in declared if source in compiled]
    assert len(declared) >= 10
    # The domain's check, and the checks for control characters of what is printed.
    assert 1 <= len(ours) <= 4 and any("a-z0-9" in source for source in ours), ours


def test_modules_that_define_named_tuples_keep_their_annotations_as_objects() -> None:
    """typing.NamedTuple compiles every annotation given as a string when its class is made
    (about 30 µs a field, at every start): a module that defines one does not turn its
    annotations into strings with `from __future__ import annotations`."""
    package = Path(clodura_cli.__file__).parent
    defining, offending = [], []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        named = any(
            isinstance(node, ast.ClassDef)
            and any(getattr(base, "id", None) == "NamedTuple" for base in node.bases)
            for node in tree.body
        )
        future = any(
            isinstance(node, ast.ImportFrom) and node.module == "__future__" for node in tree.body
        )
        if named:
            defining.append(path.name)
            if future:
                offending.append(str(path.relative_to(package)))
    assert len(defining) >= 20
    assert offending == []


def test_a_sandbox_search_imports_neither_openssl_hashes_nor_dataclasses(tmp_path: Path) -> None:
    """A sandbox search (account id, data set, answer), run as a user's start: its digests come
    from base.digest, never hashlib (OpenSSL, 5 ms), and the emulator's records (accounts,
    jobs, faults, people) are named tuples, so the dataclasses module is not imported."""
    probe = (
        "import sys\n"
        "sys.argv = ['clodura', 'search', '--sandbox', '--title', 'CEO', '-f', 'jsonl']\n"
        "from clodura_cli.cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(' '.join(m for m in ('hashlib', 'dataclasses') if m in sys.modules))\n"
        "sys.stderr.write('|end')\n"
    )
    done = started(probe, tmp_path)
    assert done.stdout.count("\n") == 25, done.stderr  # a page of the default size
    assert done.stderr.endswith("\n|end"), done.stderr  # neither loaded


def test_typer_reads_no_annotation_as_a_string(monkeypatch: pytest.MonkeyPatch) -> None:
    """typer resolves the annotations of every command, option callback and completer it
    builds; one given as a string is compiled and evaluated at every start. Building the whole
    app, none is a string (their modules do not use `from __future__ import annotations`)."""
    import typer.main
    import typer.utils

    from clodura_cli.cli.app import build_app

    read: list[str] = []
    real = typer.utils.get_type_hints

    def spy(obj: Any, *args: Any, **kwargs: Any) -> Any:
        annotations = getattr(obj, "__annotations__", {})
        read.extend(f"{obj.__module__}.{obj.__qualname__}: {name}"
                    for name, value in annotations.items() if isinstance(value, str))  # fmt: skip
        return real(obj, *args, **kwargs)

    monkeypatch.setattr(typer.utils, "get_type_hints", spy)
    command = typer.main.get_command(build_app())
    assert len(command.commands) >= 15  # type: ignore[attr-defined]
    assert read == []


def test_the_collector_is_paused_for_start_up_and_runs_for_the_command(tmp_path: Path) -> None:
    """Importing typer and the app makes no garbage worth collecting: the cyclic collector is
    paused until the command begins, what start-up made is then frozen (never scanned again),
    and the collector runs for what the command makes."""
    probe = (
        "import gc, json, sys, atexit\n"
        "import clodura_cli.search_run as run\n"
        "seen = []\n"
        "real = run.Search.__init__\n"
        "def spy(self, *a, **k):\n"
        "    seen.append((gc.isenabled(), gc.get_freeze_count()))\n"
        "    real(self, *a, **k)\n"
        "run.Search.__init__ = spy\n"
        "atexit.register(lambda: print(json.dumps(seen), file=sys.__stderr__))\n"
        "sys.argv = ['clodura', 'search', '--dry-run', '--title', 'CEO']\n"
        "print(gc.isenabled(), file=sys.stderr)\n"
        "from clodura_cli.cli.entry import main\nmain()\n"
    )
    done = started(probe, tmp_path)
    assert done.returncode == 0, done.stderr
    before, during = done.stderr.strip().splitlines()
    assert before == "True"
    [(enabled, frozen)] = json.loads(during)
    assert enabled is True and frozen > 10_000  # typer and the app: frozen, not collected


def test_what_a_command_opens_is_closed_at_exit_not_frozen(tmp_path: Path) -> None:
    """Only start-up's objects are frozen: the ledger, the page cache and the emulator's state,
    opened by the command, are closed at exit, their write-ahead logs folded back into the
    files (no -wal or -shm file is left, and a copy of a file alone holds everything)."""
    probe = (
        "import sys\n"
        "sys.argv = ['clodura', 'search', '--sandbox', '--title', 'CEO', '--new-only',"
        " '-f', 'jsonl']\n"
        "from clodura_cli.cli.entry import main\nmain()\n"
    )
    done = started(probe, tmp_path, CLODURA_SEARCH_CACHE_TTL="3600")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 25
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    databases = [name for name in files if name.endswith(".db")]
    assert len(databases) >= 3, files  # the ledger, the page cache, the emulator's state
    assert not [name for name in files if name.endswith(("-wal", "-shm", "-journal"))], files


def test_the_collector_is_left_alone_in_a_process_the_cli_did_not_start() -> None:
    """Tests run the app in their own process: there, resuming changes nothing."""
    import gc

    from clodura_cli.cli import collector

    frozen = gc.get_freeze_count()
    collector.resume()
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_a_pattern_can_be_copied_before_and_after_its_first_use() -> None:
    import copy

    lazy = pattern(r"a+")
    assert copy.copy(lazy).sub("b", "caat") == "cbt"
    assert lazy.sub("b", "caat") == "cbt"
    assert copy.deepcopy(lazy).findall("aa-a") == ["aa", "a"]

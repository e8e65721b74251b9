"""Shell completion: what each option and argument completes to, declared with `autocompletion=`.

The scripts in completions/ (cli/complete_scripts.py) hold the commands, the flags and every
fixed list themselves, and ask ``clodura __complete-values`` (cli/candidates.py, no typer) for
the rest. typer's own mechanism (``_CLODURA_COMPLETE``, which scripts printed by earlier
versions run) still answers through the completers here.
"""

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator

from clodura_cli.cli import candidates

PROG = "clodura"
COMPLETE_VAR = "_CLODURA_COMPLETE"
#: What a completer answers while the scripts are generated, when its candidates are found only
#: at TAB time: this prefix and its kind for ``clodura __complete-values`` (``list:industries``).
ASK = "\0ask:"

Completer = Callable[[str], list[str]]
_describing = False


@contextlib.contextmanager
def describing() -> Iterator[None]:
    """While generating the scripts: completers whose candidates live in files name their kind
    (``ASK + kind``) instead of reading them."""
    global _describing
    _describing = True
    try:
        yield
    finally:
        _describing = False


def _for_shell(value: str) -> str:
    """A candidate as bash must insert it, shell characters escaped (``Vice\\ President``).

    zsh and fish escape candidates themselves.
    """
    if os.environ.get(COMPLETE_VAR, "").endswith("bash"):
        return candidates.bash_escaped(value)
    return value


def _matching(values: Iterable[str], incomplete: str) -> list[str]:
    # typer keeps only the candidates that start with what was typed, as typed.
    return [_for_shell(value) for value in values if _for_shell(value).startswith(incomplete)]


def choices(values: Iterable[str]) -> Completer:
    """Complete from a fixed list of accepted values (the scripts hold it)."""
    fixed = tuple(values)
    return lambda incomplete: _matching(fixed, incomplete)


def _asking(kind: str) -> Completer:
    """Complete from what ``candidates.find(kind)`` finds when the TAB is pressed."""

    def completer(incomplete: str) -> list[str]:
        if _describing:
            return [ASK + kind]
        return _matching(candidates.find(kind), incomplete)

    return completer


def known_values(list_name: str) -> Completer:
    """Complete from a list of known values shipped with the package (``industries``), read
    from its file only when a TAB asks for it (the lists are too long for the scripts)."""
    return _asking(f"list:{list_name}")


#: The names of saved presets: all of them, or those of one kind (`search --preset` is offered
#: no organisation preset, which it would refuse).
preset_names = _asking("preset")
people_preset_names = _asking("preset:people")
org_preset_names = _asking("preset:organisations")
#: --layout: the user's own layouts and the built-in ones (file names only).
layout_names = _asking("layout")
#: Profile names, read without YAML: keys under `profiles:` and the key store.
profile_names = _asking("profile")

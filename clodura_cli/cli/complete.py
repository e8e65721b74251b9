"""Shell completion: the candidates for option values, and the scripts that ask for them.

Completion runs on every TAB, so nothing here imports httpx, yaml or the sandbox.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable

PROG = "clodura"
COMPLETE_VAR = "_CLODURA_COMPLETE"
_SHELL_SPECIAL = re.compile(r"[^A-Za-z0-9_.,:/@%+=-]")

Completer = Callable[[str], list[str]]


def _for_shell(value: str) -> str:
    """A candidate as bash must insert it, shell characters escaped (``Vice\\ President``).

    zsh and fish escape candidates themselves.
    """
    if os.environ.get(COMPLETE_VAR, "").endswith("bash"):
        return _SHELL_SPECIAL.sub(lambda match: "\\" + match.group(0), value)
    return value


def _matching(values: Iterable[str], incomplete: str) -> list[str]:
    # typer keeps only the candidates that start with what was typed, as typed.
    return [_for_shell(value) for value in values if _for_shell(value).startswith(incomplete)]


def choices(values: Iterable[str]) -> Completer:
    """Complete from a fixed list of accepted values."""
    fixed = tuple(values)
    return lambda incomplete: _matching(fixed, incomplete)


def known_values(list_name: str) -> Completer:
    """Complete from a list of known values shipped with the package (``industries``), read
    from its file only when a TAB asks for it."""

    def completer(incomplete: str) -> list[str]:
        from clodura_cli.api.vocabulary import load

        return _matching(load(list_name).values, incomplete)

    return completer


def preset_names(incomplete: str) -> list[str]:
    """Complete the names of saved presets."""
    from clodura_cli.store.presets import names

    return _matching(names(), incomplete)


def layout_names(incomplete: str) -> list[str]:
    """Complete --layout: the user's own layouts and the built-in ones (file names only)."""
    from clodura_cli.store import config

    folders = (config.config_dir() / "layouts", os.path.join(os.path.dirname(__file__), "..",
               "store", "crm_layouts"))  # fmt: skip
    names: set[str] = set()
    for folder in folders:
        if os.path.isdir(folder):
            names.update(n[: -len(".yaml")] for n in os.listdir(folder) if n.endswith(".yaml"))
    return _matching(sorted(names), incomplete)


def profile_names(incomplete: str) -> list[str]:
    """Complete profile names, read without YAML: keys under `profiles:` and the key store."""
    from clodura_cli.store import config

    found = {"default"}
    config_file = config.config_file()
    if config_file.exists():
        inside = False
        for line in config_file.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.startswith(" "):
                inside = line.rstrip() == "profiles:"
            elif inside and re.match(r"^  [^\s#][^:]*:\s*(\{\})?$", line):
                found.add(line.strip().split(":")[0].strip("'\""))
    store = config.credentials_file()
    if store.exists():
        for line in store.read_text(encoding="utf-8", errors="replace").splitlines():
            name = line.partition("=")[0].strip()
            if name:
                found.add(name)
    return _matching(sorted(found), incomplete)


def script(shell: str) -> str:
    """The completion script for a shell; it asks `clodura` itself for candidates."""
    if shell == "bash":
        return f"""# bash completion for {PROG}; source it from ~/.bashrc
_{PROG}_completion() {{
    local IFS=$'\\n'
    COMPREPLY=( $( env COMP_WORDS="${{COMP_WORDS[*]}}" COMP_CWORD=$COMP_CWORD \\
                   {COMPLETE_VAR}=complete_bash $1 2>/dev/null ) )
    return 0
}}
complete -o default -F _{PROG}_completion {PROG}
"""
    if shell == "zsh":
        return f"""#compdef {PROG}
# zsh completion for {PROG}; put it on your $fpath as _{PROG}
_{PROG}_completion() {{
  eval $(env _TYPER_COMPLETE_ARGS="${{words[1,$CURRENT]}}" \\
      {COMPLETE_VAR}=complete_zsh {PROG} 2>/dev/null)
}}
compdef _{PROG}_completion {PROG}
"""
    if shell == "fish":
        ask = f"env {COMPLETE_VAR}=complete_fish _TYPER_COMPLETE_ARGS=(commandline -cp)"
        return (
            f"# fish completion for {PROG}; save as ~/.config/fish/completions/{PROG}.fish\n"
            f"complete --command {PROG} --no-files "
            f'--arguments "({ask} _TYPER_COMPLETE_FISH_ACTION=get-args {PROG})" '
            f'--condition "{ask} _TYPER_COMPLETE_FISH_ACTION=is-args {PROG}"\n'
        )
    raise ValueError(shell)

"""The completion scripts for bash, zsh and fish (`clodura completion SHELL`, `make completions`).

Each script holds a table generated from the application: every command, its subcommands, its
options (which take a value, which may be repeated) and every fixed list of values, so that a
TAB costs no Python at all. Values found only at TAB time (preset, profile and layout names,
and the shipped lists too long to hold: industries, countries, functions, funding types) are
asked of ``clodura __complete-values KIND SHELL TYPED``, which imports no typer
(cli/candidates.py).

What every shell offers, from the words before the cursor:

- after an option that takes a value (``--seniority ``, ``--seniority=``): its values; files
  when it has no list of its own (``-o``) or its metavar names a FILE (``--layout NAME|FILE``);
- a word starting with ``-``: the command's options, less those already given once;
- in a group (``clodura``, ``clodura preset``): its subcommands;
- else the command's next argument: its values, or files when it has none of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from clodura_cli.cli import candidates, complete

PROG = complete.PROG
SHELLS = ("bash", "zsh", "fish")

#: An option's or argument's candidates: its fixed values, or the kind that
#: ``clodura __complete-values`` finds at TAB time.
Values = tuple[str, ...] | str


@dataclass(frozen=True)
class Accepts:
    """What one option or argument is completed with."""

    values: Values | None
    #: Also files, when no value matches (no list of its own, or a NAME|FILE).
    files: bool


@dataclass
class Command:
    """One command or group as the scripts see it."""

    #: ``clodura``, ``clodura preset save``.
    path: str
    #: A group's subcommands and their one-line help.
    subcommands: list[tuple[str, str]] = field(default_factory=list)
    #: Every option: its names (``--format``, ``-f``), one-line help, and whether it takes a
    #: value and may be given more than once.
    options: list[tuple[tuple[str, ...], str, bool, bool]] = field(default_factory=list)
    #: What the value of each option takes, by each of its names.
    option_values: dict[str, Accepts] = field(default_factory=dict)
    #: What each positional argument takes, in order; the last one may take any number.
    arguments: list[Accepts] = field(default_factory=list)
    variadic: bool = False


def _brief(text: str | None) -> str:
    """A command's or option's help as one short line: its first sentence, cut at a word."""
    line = " ".join((text or "").split()).split(". ")[0].rstrip(".")
    if len(line) <= 72:
        return line
    return line[:70].rsplit(" ", 1)[0].rstrip(",;:(") + "..."


def _accepts(param: Any, ctx: Any) -> Accepts:
    """What a parameter's completion offers, asked of the parameter itself (as typer would)."""
    with complete.describing():
        items = param.shell_complete(ctx, "")
    metavar = str(getattr(param, "metavar", None) or "")
    names_a_file = "FILE" in metavar or "PATH" in metavar
    if any(item.type != "plain" for item in items):  # a click Path type: files, as typed
        return Accepts(None, True)
    found = tuple(str(item.value) for item in items)
    if len(found) == 1 and found[0].startswith(complete.ASK):
        return Accepts(found[0][len(complete.ASK) :], names_a_file)
    if not found:
        return Accepts(None, True)
    if any("\\" in value or "\n" in value for value in found):
        raise ValueError(f"{param.name}: a completion value holds a backslash or a newline")
    return Accepts(found, names_a_file)


def commands() -> Iterator[Command]:
    """Every command and group of the application, as it runs (-q on every command)."""
    import typer

    from clodura_cli.cli.app import running_command

    def walk(command: Any, path: str, parent: Any) -> Iterator[Command]:
        ctx = typer.Context(command, parent=parent, info_name=path.rsplit(" ", 1)[-1],
                            **command.context_settings)  # fmt: skip
        entry = Command(path)
        children = getattr(command, "commands", None) or {}
        for name, child in children.items():
            if not child.hidden:
                entry.subcommands.append((name, _brief(child.short_help or child.help)))
        for param in command.get_params(ctx):
            if param.param_type_name == "argument":
                entry.arguments += [_accepts(param, ctx)] * max(param.nargs, 1)
                entry.variadic = param.nargs < 0
                continue
            if param.hidden:
                continue
            names = (*param.opts, *param.secondary_opts)
            if param.name == "help":  # click builds its names from a set: any order
                names = tuple(name for name in ctx.help_option_names if name in names)
            takes = not param.is_flag and not param.count
            many = param.multiple and param.name not in getattr(command.callback, "one_value", ())
            entry.options.append((names, _brief(param.help), takes, many))
            if takes:
                accepts = _accepts(param, ctx)
                entry.option_values.update(dict.fromkeys(names, accepts))
        yield entry
        for name, child in children.items():
            yield from walk(child, f"{path} {name}", ctx)

    yield from walk(running_command(), PROG, None)


def script(shell: str) -> str:
    """The completion script for a shell, its tables generated from the application."""
    render = {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell]
    return render(list(commands()))


# The table, as each shell holds it ---------------------------------------------------------

_TABLES_NOTE = f"""\
# Commands, options and fixed values are in the tables below; preset, profile and layout names
# and the long lists come from `{PROG} __complete-values`.
"""
_SPEC_NOTE = "# What each command takes: its subcommands and options."
_VALUES_NOTE = (
    "# What an option's value or an argument takes (key: 'command --option' or 'command #N')."
)


def _sh_word(text: str) -> str:
    """A word for bash or zsh: bare when safe, else in single quotes."""
    if text and all(ch in candidates.SHELL_SAFE for ch in text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"


def _fish_word(text: str) -> str:
    if text and all(ch in candidates.SHELL_SAFE for ch in text):
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _pattern(key: str, word: Callable[[str], str]) -> str:
    """A case pattern matching one table key (``clodura search --seniority``); ``#*`` at the
    end of a key stands for any later argument."""
    if key.endswith("#*"):
        return word(key[:-1]) + "*"
    return word(key)


def _value_rows(table: list[Command]) -> list[tuple[list[str], Accepts | None]]:
    """Every option value and argument with its candidates, as (keys, accepts) rows: keys with
    the same candidates share a row. Exact keys come first, then each command's ``#*``."""
    exact: dict[Accepts | None, list[str]] = {}
    later: dict[Accepts | None, list[str]] = {}
    for command in table:
        for name, accepts in command.option_values.items():
            if accepts != Accepts(None, True):  # the default: files
                exact.setdefault(accepts, []).append(f"{command.path} {name}")
        if command.subcommands:
            continue
        fixed = command.arguments[:-1] if command.variadic else command.arguments
        for position, accepts in enumerate(fixed, 1):
            exact.setdefault(accepts, []).append(f"{command.path} #{position}")
        rest = command.arguments[-1] if command.variadic else None  # None: no more arguments
        later.setdefault(rest, []).append(f"{command.path} #*")
    return [*((keys, a) for a, keys in exact.items()), *((keys, a) for a, keys in later.items())]


def _option_names(command: Command, which: str = "all") -> list[str]:
    """A command's option names: all, those that take a value, or the repeatable ones."""
    found: list[str] = []
    for names, _, takes, many in command.options:
        if which == "all" or (which == "takes" and takes) or (which == "many" and many):
            found += names
    return found


def _siblings(command: Command) -> list[str]:
    """Options with several names, each as ``a|b``: giving one uses them all."""
    return ["|".join(names) for names, _, _, _ in command.options if len(names) > 1]


def _held(
    accepts: Accepts | None, listed: Callable[[tuple[str, ...]], str], word: Callable[[str], str]
) -> list[tuple[str, str]]:
    """What a script sets for one row of the values table, as (variable, value): ``vals``, the
    fixed values (as ``listed`` writes them), or ``kind``, what to ask at TAB time; ``files``
    when files will do. Nothing for None (no more arguments)."""
    if accepts is None:
        return []
    held = []
    if isinstance(accepts.values, tuple):
        held.append(("vals", listed(accepts.values)))
    elif accepts.values is not None:
        held.append(("kind", word(accepts.values)))
    if accepts.files:
        held.append(("files", "1"))
    return held


def _spaced(words: list[str]) -> str:
    """Words for bash or zsh as one word with a space at each end (``' a b '``): the scripts
    look a word up as ``*" $word "*``."""
    return _sh_word(" " + " ".join(words) + " ") if words else "''"


def _sh_tables(
    table: list[Command],
    indent: str,
    case: Callable[[str], str],
    options: Callable[[Command], list[str]],
    value: Callable[[str], str],
) -> list[str]:
    """The two tables of the bash and zsh scripts, the same but for the shell's indent, how
    ``case`` writes a pattern, how options are offered and how a value is held."""
    inner, body_indent = indent * 2, indent * 3
    lines = [_SPEC_NOTE, "_clodura_spec() {", f"{indent}case $1 in"]
    for command in table:
        names = [name for name, _ in command.subcommands]
        lines.append(inner + case(_sh_word(command.path)))
        spec = [
            f"_clodura_names={_spaced(names)}",
            *options(command),
            f"_clodura_takes={_spaced(_option_names(command, 'takes'))}",
            f"_clodura_many={_spaced(_option_names(command, 'many'))}",
            f"_clodura_sibs={_sh_word(' '.join(_siblings(command)))} ;;",
        ]
        lines += [body_indent + line for line in spec]
    lines += [f"{indent}esac", "}", "",
              _VALUES_NOTE,
              "_clodura_values() {", f"{indent}_clodura_vals=() _clodura_kind= _clodura_files=",
              f"{indent}case $1 in"]  # fmt: skip
    for keys, accepts in _value_rows(table):
        lines.append(inner + case(" | ".join(_pattern(key, _sh_word) for key in keys)))
        held = _held(accepts, lambda values: f"({' '.join(map(value, values))})", _sh_word)
        body = [f"_clodura_{name}={text}" for name, text in held]
        lines.append(body_indent + (" ".join(body) + " " if body else "") + ";;")
    lines += [inner + case("*") + " _clodura_files=1 ;;", f"{indent}esac", "}"]
    return lines


# bash --------------------------------------------------------------------------------------

_BASH_HEAD = f"""\
# bash completion for {PROG}, generated by `{PROG} completion bash` (do not edit): source it from
# ~/.bashrc, or save it as ~/.local/share/bash-completion/completions/{PROG}.
{_TABLES_NOTE}"""

_BASH_MAIN = r"""
# The candidates that start with what was typed ($1), as bash must insert them: escaped as
# held, or plain after an opening quote.
_clodura_reply() {
    local typed=$1 plain v
    shift
    case $typed in
        \"* | \'*) plain=${typed:1} ;;
        *) plain=${typed//\\/} ;;
    esac
    for v in "$@"; do
        [[ ${v//\\/} == "$plain"* ]] || continue
        case $typed in
            \"* | \'*) COMPREPLY+=("${v//\\/}") ;;
            *) COMPREPLY+=("$v") ;;
        esac
    done
}

_clodura_completion() {
    local IFS=$' \t\n' cur=${COMP_WORDS[COMP_CWORD]} path=clodura word opt= pending= rest=
    local used=' ' pos=0 i g n v _clodura_names _clodura_opts _clodura_takes _clodura_many
    local _clodura_sibs _clodura_kind _clodura_files
    local -a _clodura_vals
    COMPREPLY=()
    _clodura_spec "$path"
    for (( i = 1; i < COMP_CWORD; i++ )); do
        word=${COMP_WORDS[i]}
        if [[ -n $pending ]]; then
            [[ $word == = ]] || pending=  # --opt=value reaches bash as --opt = value
        elif [[ -z $rest && $word == -* ]]; then
            [[ $word == -- ]] && rest=1 && continue
            opt=${word%%=*}
            if [[ $_clodura_many != *" $opt "* ]]; then
                used+="$opt "
                for g in $_clodura_sibs; do
                    [[ "|$g|" == *"|$opt|"* ]] && used+="${g//|/ } "
                done
            fi
            [[ $word != *=* && $_clodura_takes == *" $opt "* ]] && pending=$opt
        elif [[ -z $rest && $_clodura_names == *" $word "* ]]; then
            path+=" $word" used=' ' pos=0
            _clodura_spec "$path"
        else
            pos=$(( pos + 1 ))
        fi
    done
    if [[ -n $pending ]]; then
        [[ $cur == = ]] && cur=
        _clodura_values "$path $pending"
    elif [[ -z $rest && $cur == -* ]]; then
        for n in $_clodura_opts; do
            [[ $used != *" $n "* && $n == "$cur"* ]] && COMPREPLY+=("$n")
        done
    elif [[ -n $_clodura_names ]]; then
        for n in $_clodura_names; do
            [[ $n == "$cur"* ]] && COMPREPLY+=("$n")
        done
    else
        _clodura_values "$path #$(( pos + 1 ))"
    fi
    if [[ -n $_clodura_kind ]]; then
        while IFS= read -r v; do
            COMPREPLY+=("$v")
        done < <("$1" __complete-values "$_clodura_kind" bash "$cur" 2>/dev/null)
    elif (( ${#_clodura_vals[@]} )); then
        _clodura_reply "$cur" "${_clodura_vals[@]}"
    fi
    if (( ! ${#COMPREPLY[@]} )) && [[ -z $_clodura_files ]]; then
        compopt +o default 2>/dev/null  # nothing matches, and no file would do
    fi
    return 0
}

complete -o default -F _clodura_completion clodura
"""


def _bash(table: list[Command]) -> str:
    def options(command: Command) -> list[str]:
        return [f"_clodura_opts={_sh_word(' '.join(_option_names(command)))}"]

    def value(text: str) -> str:
        return _sh_word(candidates.bash_escaped(text))

    tables = _sh_tables(table, "    ", lambda pattern: f"{pattern})", options, value)
    return "\n".join([_BASH_HEAD, *tables]) + "\n" + _BASH_MAIN


# zsh ---------------------------------------------------------------------------------------

_ZSH_HEAD = f"""\
#compdef {PROG}
# zsh completion for {PROG}, generated by `{PROG} completion zsh` (do not edit): save it as
# _{PROG} in a folder on your $fpath before compinit runs, or source it after compinit.
{_TABLES_NOTE}"""

_ZSH_MAIN = r"""
_clodura() {
  local path_=clodura word opt pending= rest= used=' ' pos=0 i g
  local _clodura_names _clodura_takes _clodura_many _clodura_sibs _clodura_kind _clodura_files
  local -a _clodura_subs _clodura_opts _clodura_vals offer
  _clodura_spec $path_
  for (( i = 2; i < CURRENT; i++ )); do
    word=${words[i]}
    if [[ -n $pending ]]; then
      pending=
    elif [[ -z $rest && $word == -* ]]; then
      if [[ $word == -- ]]; then rest=1; continue; fi
      opt=${word%%=*}
      if [[ $_clodura_many != *" $opt "* ]]; then
        used+="$opt "
        for g in ${=_clodura_sibs}; do
          [[ "|$g|" == *"|$opt|"* ]] && used+="${g//|/ } "
        done
      fi
      [[ $word != *=* && $_clodura_takes == *" $opt "* ]] && pending=$opt
    elif [[ -z $rest && $_clodura_names == *" $word "* ]]; then
      path_+=" $word" used=' ' pos=0
      _clodura_spec $path_
    else
      pos=$(( pos + 1 ))
    fi
  done
  if [[ -z $pending && -z $rest && $PREFIX == -*=* ]]; then
    opt=${PREFIX%%=*}
    if [[ $_clodura_takes == *" $opt "* ]]; then
      pending=$opt
      compset -P '*='
    fi
  fi
  if [[ -n $pending ]]; then
    _clodura_values "$path_ $pending"
  elif [[ -z $rest && $PREFIX == -* ]]; then
    for g in $_clodura_opts; do
      [[ $used == *" ${g%%:*} "* ]] || offer+=("$g")
    done
    _describe -t options option offer
    return
  elif [[ -n $_clodura_names ]]; then
    _describe -t commands command _clodura_subs
    return
  else
    _clodura_values "$path_ #$(( pos + 1 ))"
  fi
  if [[ -n $_clodura_kind ]]; then
    _clodura_vals=(${(f)"$(${(Q)words[1]} __complete-values $_clodura_kind zsh 2>/dev/null)"})
  fi
  (( $#_clodura_vals )) && compadd -a _clodura_vals && return
  [[ -n $_clodura_files ]] && _files
}

if [[ $funcstack[1] == _clodura ]]; then
  _clodura "$@"  # autoloaded from $fpath: this is the first TAB
else
  compdef _clodura clodura
fi
"""


def _described(pairs: list[tuple[str, str]]) -> str:
    """A zsh array of ``name:help`` words, for _describe."""
    return (
        "(" + " ".join(_sh_word(f"{name}:{text}" if text else name) for name, text in pairs) + ")"
    )


def _zsh(table: list[Command]) -> str:
    def options(command: Command) -> list[str]:
        named = [(name, text) for names, text, _, _ in command.options for name in names]
        return [f"_clodura_subs={_described(command.subcommands)}",
                f"_clodura_opts={_described(named)}"]  # fmt: skip

    tables = _sh_tables(table, "  ", lambda pattern: f"({pattern})", options, _sh_word)
    return "\n".join([_ZSH_HEAD, *tables]) + "\n" + _ZSH_MAIN


# fish --------------------------------------------------------------------------------------

_FISH_HEAD = f"""\
# fish completion for {PROG}, generated by `{PROG} completion fish` (do not edit): save it as
# ~/.config/fish/completions/{PROG}.fish.
{_TABLES_NOTE}"""

_FISH_MAIN = r"""
function __clodura_complete
    # The words before the cursor, unescaped (-x since fish 4, where -o is deprecated).
    set -l words (commandline -xpc 2>/dev/null; or commandline -opc)
    set -l cur (commandline -ct)
    set -l path clodura
    set -l pending
    set -l rest
    set -l used
    set -l pos 0
    set -l prefix ''
    __clodura_spec $path
    set -l prog $words[1]
    set -e words[1]
    for word in $words
        if test -n "$pending"
            set pending
        else if test -z "$rest"; and string match -q -- '-*' $word
            if test $word = --
                set rest 1
                continue
            end
            set -l opt (string split -m 1 = -- $word)[1]
            if not contains -- $opt $__clodura_many
                set -a used $opt
                for g in $__clodura_sibs
                    set -l names (string split '|' -- $g)
                    contains -- $opt $names; and set -a used $names
                end
            end
            if not string match -q -- '*=*' $word; and contains -- $opt $__clodura_takes
                set pending $opt
            end
        else if test -z "$rest"; and contains -- $word $__clodura_names
            set path "$path $word"
            set used
            set pos 0
            __clodura_spec $path
        else
            set pos (math $pos + 1)
        end
    end
    if test -z "$pending"; and test -z "$rest"; and string match -q -- '-*=*' $cur
        set -l opt (string split -m 1 = -- $cur)[1]
        if contains -- $opt $__clodura_takes
            set pending $opt
            set prefix "$opt="
        end
    end
    if test -n "$pending"
        __clodura_values "$path $pending"
    else if test -z "$rest"; and string match -q -- '-*' $cur
        for i in (seq (count $__clodura_opts))
            contains -- $__clodura_optnames[$i] $used; or printf '%s\n' $__clodura_opts[$i]
        end
        return
    else if set -q __clodura_names[1]
        printf '%s\n' $__clodura_subs
        return
    else
        __clodura_values "$path #"(math $pos + 1)
    end
    if test -n "$__clodura_kind"
        set __clodura_vals ($prog __complete-values $__clodura_kind fish 2>/dev/null)
    end
    if set -q __clodura_vals[1]
        printf '%s\n' $prefix$__clodura_vals
    else if test -n "$__clodura_files"
        __fish_complete_path $cur
    end
end

complete --command clodura --no-files --keep-order --arguments '(__clodura_complete)'
"""


def _fish(table: list[Command]) -> str:
    def listed(words: Iterable[str]) -> str:
        return " ".join(_fish_word(word) for word in words)

    def described(pairs: list[tuple[str, str]]) -> str:
        return " ".join(
            _fish_word(name) + (f"\\t{_fish_word(text)}" if text else "") for name, text in pairs
        )

    lines = [_FISH_HEAD, _SPEC_NOTE,
             "function __clodura_spec", "    switch $argv[1]"]  # fmt: skip
    for command in table:
        names = [name for name, _ in command.subcommands]
        options = [(name, text) for names_, text, _, _ in command.options for name in names_]
        lines.append(f"        case {_fish_word(command.path)}")
        lines.append(f"            set -g __clodura_names {listed(names)}")
        lines.append(f"            set -g __clodura_subs {described(command.subcommands)}")
        lines.append(f"            set -g __clodura_optnames {listed([n for n, _ in options])}")
        lines.append(f"            set -g __clodura_opts {described(options)}")
        lines.append(
            f"            set -g __clodura_takes {listed(_option_names(command, 'takes'))}"
        )
        lines.append(f"            set -g __clodura_many {listed(_option_names(command, 'many'))}")
        lines.append(f"            set -g __clodura_sibs {listed(_siblings(command))}")
    lines += ["    end", "end", "",
              _VALUES_NOTE,
              "function __clodura_values", "    set -g __clodura_vals", "    set -g __clodura_kind",
              "    set -g __clodura_files", "    switch $argv[1]"]  # fmt: skip
    for keys, accepts in _value_rows(table):
        # fish's `case` matches a quoted * as a wildcard.
        lines.append("        case " + " ".join(_fish_word(key) for key in keys))
        if accepts is None:
            lines.append("            return")
            continue
        held = _held(accepts, listed, _fish_word)
        lines += [f"            set __clodura_{name} {text}" for name, text in held]
    lines += ["        case '*'", "            set __clodura_files 1", "    end", "end"]
    return "\n".join(line.rstrip() for line in lines) + "\n" + _FISH_MAIN

"""Fuzzy matching of typed text against a list of names: other spellings, abbreviations, words
and typos, ranked from the surest to the loosest."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping, Sequence
from enum import IntEnum

from clodura_cli.base.text import pattern

_DROPPED = pattern(r"[.'’]")  # U.S. -> us, d'Ivoire -> divoire
_SEPARATORS = pattern(r"[^0-9a-z]+")
#: Words a name may hold that say nothing about which name is meant.
_STOP_WORDS = frozenset({"and", "of", "the", "for", "in"})


class Tier(IntEnum):
    """How a name matched what was typed, surest first."""

    #: Named for it in a table of other names (an older name, an abbreviation, a code).
    ALIAS = 0
    #: The same words, spelled with other case, accents, punctuation or '&'.
    SPELLING = 1
    #: The initials of its words (VP: Vice President).
    ACRONYM = 2
    #: Every word typed starts a word of the name (software: Software Development).
    WORDS = 3
    #: Every word typed starts a word of the name's group (finance: Banking).
    GROUP = 4
    #: A few letters off (Directer: Director).
    TYPO = 5
    #: Some of the words typed start words of the name.
    SOME_WORDS = 6


@functools.lru_cache(maxsize=8192)
def key(text: str) -> str:
    """Text reduced to lower-case ASCII words: case, accents, punctuation, '&' against 'and'
    and a leading 'the' do not count."""
    if not text.isascii():  # most names are: they skip the accents' pass
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold()
    words = _SEPARATORS.sub(" ", _DROPPED.sub("", text.replace("&", " and "))).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


@functools.lru_cache(maxsize=8192)
def _words(text_key: str) -> tuple[str, ...]:
    words = tuple(text_key.split())
    return tuple(word for word in words if word not in _STOP_WORDS) or words


@functools.lru_cache(maxsize=8192)
def _spaced(name_key: str) -> str:
    """A name's words, each after a space: a typed word starts one of them exactly when the
    typed word after a space is found in it (one substring search, not a loop over words)."""
    return " " + " ".join(_words(name_key))


def _starts(typed: str, spaced: str) -> bool:
    """A typed word starts a word of a name (``spaced``: see ``_spaced``); a final 's' or 'e'
    may be the typist's (semiconductors: Semiconductor, finance: Financial)."""
    if " " + typed in spaced:
        return True
    return len(typed) >= 4 and typed[-1] in "es" and " " + typed[:-1] in spaced


def _initials(name_key: str) -> str:
    """The first letters of a name's words (VP: Vice President); none for a name with a word
    that starts with a digit ("51" is no abbreviation of "501 - 1000")."""
    words = _words(name_key)
    if len(words) < 2 or not all(word[0].isalpha() for word in words):
        return ""
    return "".join(word[0] for word in words)


def _covered(typed: tuple[str, ...], name_key: str) -> int:
    """How many of the typed words start a word of the name."""
    spaced = _spaced(name_key)
    return sum(1 for each in typed if _starts(each, spaced))


def ranked(
    text: str,
    names: Sequence[str],
    *,
    aliases: Mapping[str, Sequence[str]] | None = None,
    groups: Mapping[str, str] | None = None,
    typo_cutoff: float = 0.6,
) -> list[tuple[str, Tier]]:
    """The names ``text`` may mean, surest first, each with how it matched.

    ``aliases`` maps the key of another name (see ``key``) to the names it stands for;
    ``groups`` gives a name's group, matched after the name itself.
    """
    import difflib  # only a lookup needs it

    typed = key(text)
    if not typed:
        return []
    typed_words = _words(typed)
    compact = typed.replace(" ", "")
    order: dict[str, tuple[float, ...]] = {}
    # What was typed is the matcher's second sequence, indexed once for every name.
    matcher = difflib.SequenceMatcher(None, "", typed)

    def offer(name: str, *rank: float) -> None:
        if name not in order or rank < order[name]:
            order[name] = rank

    for position, name in enumerate((aliases or {}).get(typed, ())):
        offer(name, Tier.ALIAS, position)
    for alias, meant in (aliases or {}).items():
        # The words of another name: `cote` starts `Cote d'Ivoire`, Ivory Coast's other name.
        if alias != typed and _covered(typed_words, alias) == len(typed_words):
            for name in meant:
                offer(name, Tier.WORDS, 1, len(_words(alias)), len(names))
    for index, name in enumerate(names):
        name_key = key(name)
        words = _words(name_key)
        covered = _covered(typed_words, name_key)
        if name_key == typed:
            offer(name, Tier.SPELLING, index)
        elif len(compact) > 1 and _initials(name_key) == compact:
            offer(name, Tier.ACRONYM, index)
        elif covered == len(typed_words):
            offer(name, Tier.WORDS, not name_key.startswith(typed), len(words), index)
        elif groups and _covered(typed_words, key(groups.get(name, ""))) == len(typed_words):
            offer(name, Tier.GROUP, index)
        else:
            matcher.set_seq1(name_key)
            # Each ratio bounds the next from above and costs less (as difflib's own
            # get_close_matches does): most names are ruled out before the costly one.
            if (
                matcher.real_quick_ratio() >= typo_cutoff
                and matcher.quick_ratio() >= typo_cutoff
                and matcher.ratio() >= typo_cutoff
            ):
                offer(name, Tier.TYPO, -matcher.ratio(), index)
            elif covered:
                offer(name, Tier.SOME_WORDS, -covered, len(words), index)
    return [(name, Tier(int(rank[0]))) for name, rank in sorted(order.items(), key=lambda i: i[1])]


def edits(a: str, b: str) -> int:
    """Letters to insert, delete, change, or swap with the next, to make ``a`` into ``b`` (the
    optimal string alignment distance: ``emial`` is one from ``email``)."""
    two_back: list[int] = []
    previous = list(range(len(b) + 1))  # from a[:i - 1] to each b[:j]
    for i in range(1, len(a) + 1):
        row = [i]
        for j in range(1, len(b) + 1):
            cost = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cost = min(cost, two_back[j - 2] + 1)
            row.append(cost)
        two_back, previous = previous, row
    return previous[-1]


def best(
    text: str,
    names: Sequence[str],
    *,
    aliases: Mapping[str, Sequence[str]] | None = None,
    loosest: Tier = Tier.TYPO,
) -> str | None:
    """The name ``text`` most likely means, matched no looser than ``loosest``; None if none."""
    found = [name for name, tier in ranked(text, names, aliases=aliases) if tier <= loosest]
    return found[0] if found else None

"""Reading the YAML files users write (presets, the config file) safely.

PyYAML's safe loader still expands aliases: a few hundred bytes of ``&a [*b, *b, ...]`` grow to
gigabytes. Nobody needs an alias in a filter or a setting, so they are refused outright.
"""

from __future__ import annotations

from typing import Any


def load(text: str, *, dates_as_text: bool = False, unique_keys: bool = True) -> Any:
    """Parse ``text`` with the safe loader, refusing aliases and (``unique_keys``) a key given
    twice in one mapping; raises ``yaml.YAMLError``."""
    import yaml

    return yaml.load(text, Loader=_loader(dates_as_text, unique_keys))  # a SafeLoader subclass


def problem(error: Exception) -> str:
    """What is wrong with a file that would not parse, as one line: ``at line 2, column 1:
    expected ',' or ']'`` (PyYAML's own text quotes "<unicode string>" and the source)."""
    mark = getattr(error, "problem_mark", None)
    where = f"at line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    said = getattr(error, "problem", None) or (str(error).strip().splitlines() or [""])[0]
    return where + (said or "not valid YAML")


_LOADERS: dict[tuple[bool, bool], Any] = {}


def _loader(dates_as_text: bool, unique_keys: bool) -> Any:
    if (dates_as_text, unique_keys) in _LOADERS:
        return _LOADERS[(dates_as_text, unique_keys)]
    import yaml

    class NoAliases(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.events.AliasEvent):
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, "aliases (*name) are not allowed here", event.start_mark
                )
            return super().compose_node(parent, index)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            # A key given twice kept only its last value, silently: a layout's `Email:` line
            # written twice put person ids in the Email column.
            if not unique_keys:
                return super().construct_mapping(node, deep=deep)
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, (str, int, float, bool)):
                    continue  # not hashable as such: the loader's own check refuses it
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"{key!r} is given twice", key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    if dates_as_text:
        # Dates stay text: they are checked like the flags' dates.
        NoAliases.yaml_implicit_resolvers = {
            first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
            for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }
    _LOADERS[(dates_as_text, unique_keys)] = NoAliases
    return NoAliases

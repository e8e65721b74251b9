"""JSON values from elsewhere made safe to walk: nesting capped without recursion."""

from __future__ import annotations

from typing import Any

#: Deeper than this, a value is replaced by a marker when it is flattened or stored as text.
MAX_DEPTH = 64
DEEPER = f"…(nested deeper than {MAX_DEPTH} levels)"


def cap_depth(value: Any, limit: int = MAX_DEPTH) -> Any:
    """A copy of ``value`` whose lists and objects nest at most ``limit`` deep; what lies deeper
    becomes a marker. Iterative: a value nested 100,000 deep costs no stack."""
    if not isinstance(value, (dict, list)):
        return value
    root: list[Any] = [None]
    # (source container, destination container, key in destination, depth of source)
    stack: list[tuple[Any, Any, Any, int]] = [(value, root, 0, 1)]
    while stack:
        source, parent, key, depth = stack.pop()
        if depth > limit:
            parent[key] = DEEPER
            continue
        if isinstance(source, dict):
            copy: Any = {}
            parent[key] = copy
            for name, item in source.items():
                if isinstance(item, (dict, list)):
                    copy[name] = None
                    stack.append((item, copy, name, depth + 1))
                else:
                    copy[name] = item
        else:
            copy = [None] * len(source)
            parent[key] = copy
            for index, item in enumerate(source):
                if isinstance(item, (dict, list)):
                    stack.append((item, copy, index, depth + 1))
                else:
                    copy[index] = item
    return root[0]

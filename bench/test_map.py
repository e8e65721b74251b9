"""The README's table of which tests cover which module, from a coverage run with contexts.

    make test-map    # runs the suite under coverage (one context per test), prints the table

A module's row names the test files that ran most of its lines (in-process runs only: code run
in a subprocess is not measured), the files with the most lines first.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path


def main(data_file: str = ".coverage") -> int:
    from coverage import CoverageData

    data = CoverageData(data_file)
    data.read()
    root = Path("clodura_cli").resolve()
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for measured in data.measured_files():
        path = Path(measured).resolve()
        if root not in path.parents:
            continue
        module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        for _line, contexts in (data.contexts_by_lineno(measured) or {}).items():
            for context in contexts:
                test_file = context.split("::")[0].rsplit("/", 1)[-1]
                if test_file.startswith("test_"):
                    rows[module][test_file.removesuffix(".py").removesuffix("|run")] += 1
    print("| module | tests that run most of it |")
    print("|---|---|")
    for module in sorted(rows):
        best = [name for name, _ in rows[module].most_common(4)]
        print(f"| `{module}` | {', '.join(best)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

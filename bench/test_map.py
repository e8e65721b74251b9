"""The README's table of which tests cover which module, from a coverage run with contexts.

    make test-map    # runs the suite under coverage (one context per test), prints the table

A module's row names the test files that ran most of its lines, each line weighed by how few
tests ran it (the lines every test runs, such as imports, count for little), in-process runs
only: code run in a subprocess is not measured.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path


def main(data_file: str = ".coverage") -> int:
    from coverage import CoverageData

    data = CoverageData(data_file)
    data.read()
    root = Path("clodura_cli").resolve()
    rows: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for measured in data.measured_files():
        path = Path(measured).resolve()
        if root not in path.parents:
            continue
        module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        for _line, contexts in (data.contexts_by_lineno(measured) or {}).items():
            files = {c.split("::")[0].rsplit("/", 1)[-1].removesuffix(".py") for c in contexts}
            files = {f for f in files if f.startswith("test_")}
            for test_file in files:
                rows[module][test_file] += 1 / len(files)
    print("| module | tests that run most of it |")
    print("|---|---|")
    for module in sorted(rows):
        ranked = sorted(rows[module].items(), key=lambda item: -item[1])
        best = [name for name, _ in ranked[:4]]
        print(f"| `{module}` | {', '.join(best)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

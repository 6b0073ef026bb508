"""Run every benchmark module in bench/ (each writes bench/RESULTS-<name>.md), then merge the
per-benchmark results into bench/RESULTS.md.

    python -m bench                 # every benchmark at its default size
    python -m bench import_csv      # just one (extra arguments are passed through)
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

from bench.common import merge_results

HERE = Path(__file__).parent


def discover() -> list[str]:
    return sorted(
        m.name
        for m in pkgutil.iter_modules([str(HERE)])
        if not m.name.startswith("_") and m.name != "common"
    )


def main(argv: list[str]) -> int:
    names = discover()
    selected = [a for a in argv if a in names] or names
    passthrough = [a for a in argv if a not in names]
    status = 0
    for name in selected:
        module = importlib.util.find_spec(f"bench.{name}")
        if module is None:
            continue
        print(f"== bench.{name}", flush=True)
        result = subprocess.run([sys.executable, "-m", f"bench.{name}", *passthrough], check=False)
        status = status or result.returncode
    merge_results()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""``python -m bench``: every benchmark in its quick form, one after another (a few minutes).

Each benchmark also runs on its own at full size: ``python -m bench.dispatch``, ``bench.limit``,
``bench.growth``, ``bench.startup``, ``bench.responsive`` (see bench/README.md).
"""

from __future__ import annotations

import subprocess
import sys

from bench.common import ROOT

BENCHMARKS = ("dispatch", "limit", "growth", "startup", "responsive")


def main() -> int:
    """Run each benchmark with --quick; the exit code is the first failure's, if any."""
    failed = 0
    for name in BENCHMARKS:
        print(f"\n=== bench.{name} --quick ===", flush=True)
        code = subprocess.call([sys.executable, "-m", f"bench.{name}", "--quick"], cwd=ROOT)
        failed = failed or code
    return failed


if __name__ == "__main__":
    sys.exit(main())

"""Run every benchmark (bench/bench_*.py), each in its own process; print their figures."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", help="run only benchmarks whose file name contains this")
    args = ap.parse_args()
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        if args.only and args.only not in script.name:
            continue
        print(f"== {script.name}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"   ({time.perf_counter() - t0:.1f}s, exit {rc})", flush=True)
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

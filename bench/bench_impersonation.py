"""Benchmark: impersonation detection on the labelled set written by this team
(tests/detect/data/impersonation_cases.jsonl: official accounts/domains, harmless look-alikes,
impostors using missing diacritics, abbreviations, homoglyphs, spacing, typosquats).

Prints precision/recall of vimon's detector beside a plain reference — rapidfuzz WRatio of the
raw name against every registry name (≥ 90 = flag; domains: exact name part of an official
domain under another suffix) — and the detector's throughput (names per second, one core).
Usage: ``python bench/bench_impersonation.py``
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402

from vimon.detect.impersonation import registry, split_domain  # noqa: E402

CASES = ROOT / "tests" / "detect" / "data" / "impersonation_cases.jsonl"


def pr(pairs: list[tuple[bool, bool]]) -> tuple[float, float]:
    tp = sum(1 for e, p in pairs if e and p)
    fp = sum(1 for e, p in pairs if not e and p)
    fn = sum(1 for e, p in pairs if e and not p)
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def main() -> int:
    cases = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line]
    reg = registry()
    names = [e.name for e in reg.entities.values()]
    verified = {k for k in reg.account_keys}
    cores = {"".join(split_domain(d)[0]) for d in reg.verified_domains}
    ours, ref = [], []
    for c in cases:
        exp = c["expected"] == "impostor"
        ours.append((exp, reg.check(c).flagged))
        if c.get("domain"):
            host = c["domain"].split("//")[-1].split("/")[0].removeprefix("www.")
            flagged = host not in reg.verified_domains and "".join(split_domain(host)[0]) in cores
        else:
            from vimon.detect.impersonation import account_key

            hit = process.extractOne(c.get("name") or "", names, scorer=fuzz.WRatio)
            flagged = bool(hit and hit[1] >= 90) and account_key(c.get("url")) not in verified \
                and not c.get("trusted")
        ref.append((exp, flagged))
    p, r = pr(ours)
    rp, rr = pr(ref)
    texts = [c.get("name") or c.get("domain") for c in cases] * 40
    t0 = time.perf_counter()
    for c in cases * 40:
        reg.check(c)
    dt = time.perf_counter() - t0
    print(f"   cases: {len(cases)} ({sum(e for e, _ in ours)} impostors)")
    print(f"   vimon      precision {p:.3f}  recall {r:.3f}")
    print(f"   reference  precision {rp:.3f}  recall {rr:.3f}  (raw WRatio ≥ 90 / exact domain name)")
    print(f"   recall ratio vimon/reference: {r / rr if rr else float('inf'):.2f}")
    print(f"   throughput: {len(texts) / dt:,.0f} checks/s (one core)")
    return 0 if p >= 0.9 and r >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())

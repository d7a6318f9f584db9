"""Benchmark: normalize + fold over short Vietnamese posts, against plain NFC.

Prints posts/s per core for normalize, fold, normalize+fold (and with teencode), and the
ratio of normalize+fold time to ``unicodedata.normalize('NFC', s)`` over the same texts in
the same run (the reference: the least any normalizer must do). Target: ≥ 30,000 posts/s
for normalize+fold.

Run: ``.venv/bin/python bench/bench_text.py [--posts N]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import unicodedata
from pathlib import Path

# Runnable as a plain script from any directory, like the other benchmarks.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vimon.text import fold, normalize  # noqa: E402

# Short posts in the shapes the collectors see: news ledes, comments with teencode,
# old-style and new-style tone marks, emoji, links, decomposed (NFD) text.
_SEEDS = [
    "UBND quận Hoàn Kiếm tổ chức hội nghị tổng kết công tác bảo đảm trật tự an toàn giao thông năm 2024.",
    "Người dân phường Láng Hạ phản ánh tình trạng rác thải ùn ứ trên vỉa hè, mong cơ quan chức năng xử lý 🙏",
    "ko bít ai đăng tin này nhưng mình thấy sai sự thật, mn đừng share nhé!!! https://fb.com/abc",
    "Thời tiết Hà Nội hôm nay: trời hoà dịu, khoẻ khoắn, nhiệt độ 25–30°C, thuỷ triều không ảnh hưởng.",
    "Cảnh báo lừa đảo: đối tượng giả danh công an yêu cầu chuyển khoản 50k để 'xác minh' tài khoản.",
    "Giá nhà chung cư mini ở Thanh Xuân tăng mạnh, nhiều người lo ngại về an toàn phòng cháy chữa cháy.",
    "Sở Y tế Hà Nội khuyến cáo người dân chủ động phòng chống sốt xuất huyết khi mùa mưa đến 😷",
    "@Hùng ơi cái clip này là thật hay fake vậy? xem mà thấy sợ quá #tintuc #hanoi",
]


def _corpus(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        s = rng.choice(_SEEDS)
        cut = rng.randint(0, 20)
        s = s[cut:] + " " + s[:cut]  # vary the texts so no cache helps
        if i % 10 == 0:
            s = unicodedata.normalize("NFD", s)  # a tenth arrive decomposed
        out.append(s[:100] + str(i))
    return out


def _rate(fn, texts: list[str], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for s in texts:
            fn(s)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=50_000)
    args = ap.parse_args()
    texts = _corpus(args.posts)
    n = len(texts)
    avg = sum(map(len, texts)) / n

    t_ref = _rate(lambda s: unicodedata.normalize("NFC", s), texts)
    t_norm = _rate(normalize, texts)
    t_fold = _rate(fold, texts)
    t_both = _rate(lambda s: fold(normalize(s)), texts)
    t_teen = _rate(lambda s: fold(normalize(s, teencode=True)), texts)

    print(f"posts: {n}, average length {avg:.0f} characters, one core")
    for name, t in (
        ("reference NFC", t_ref),
        ("normalize", t_norm),
        ("fold", t_fold),
        ("normalize+fold", t_both),
        ("normalize(teencode)+fold", t_teen),
    ):
        print(f"{name:26s} {n / t:12,.0f} posts/s  {t / n * 1e6:7.2f} µs/post")
    print(f"ratio normalize+fold / NFC: {t_both / t_ref:.1f}x slower than plain NFC")
    target = 30_000
    verdict = "meets" if n / t_both >= target else "MISSES"
    print(f"target {target:,} posts/s for normalize+fold: {verdict}")


if __name__ == "__main__":
    main()

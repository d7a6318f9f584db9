"""Shared helpers for the benchmarks: timing, peak memory, synthetic Vietnamese posts."""

from __future__ import annotations

import json
import os
import random
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("VIMON_SHARED_DATA", ROOT.parent / "shared" / "data"))

_SUBJECTS = ["Người dân phường Phúc Xá", "Cư dân chung cư Kim Mã", "Phụ huynh trường Nguyễn Trãi",
             "Tài xế trên đường Láng", "Hội phụ nữ quận Đống Đa", "Bà con chợ Long Biên",
             "Sinh viên làng đại học Cầu Giấy", "Người lao động khu công nghiệp Thăng Long"]
_VERBS = ["phản ánh", "khen ngợi", "bức xúc về", "đề nghị xử lý", "chia sẻ thông tin về",
          "hỏi về", "cảnh báo", "ủng hộ"]
_OBJECTS = ["tình trạng ngập úng sau mưa", "việc thu gom rác thải", "tuyến xe buýt mới",
            "công viên vừa khánh thành", "dịch vụ công trực tuyến", "tiếng ồn công trình ban đêm",
            "ùn tắc giờ cao điểm", "lịch tiêm chủng cho trẻ", "giá điện tháng này",
            "đợt nắng nóng kéo dài", "tuyến đường sắt đô thị", "camera phạt nguội"]
_TAILS = ["mong các cơ quan chức năng sớm vào cuộc", "rất mong được phản hồi", "cảm ơn phường đã hỗ trợ",
          "ai biết thông tin thêm không ạ", "ko biết bao giờ mới xong", "mn chú ý nhé",
          "thật sự quá tốt", "đề nghị kiểm tra lại", "dc hỗ trợ nhanh lắm", "vs tình hình này thì khổ"]


_PLACES = ["phố Hàng Bông", "ngõ 165 Cầu Giấy", "khu đô thị Linh Đàm", "đường Giải Phóng",
           "phường Phúc Xá", "chợ Đồng Xuân", "hồ Hoàn Kiếm", "cầu Vĩnh Tuy", "bến xe Mỹ Đình",
           "trường tiểu học Kim Liên", "bệnh viện Bạch Mai", "chung cư Royal City", "phố Tạ Hiện",
           "xã Đông Anh", "đường vành đai 3", "ga Cát Linh", "công viên Thống Nhất", "phố Kim Mã"]
_WORDS = ["sáng", "nay", "chiều", "qua", "tối", "hôm", "qua", "mấy", "hôm", "nay", "liên", "tục", "hàng", "ngày", "cuối", "tuần", "đầu", "tháng", "xe", "máy", "ô", "tô", "xe", "buýt", "người", "già", "trẻ", "em", "học", "sinh", "công", "nhân", "hàng", "quán", "vỉa", "hè", "cây", "xanh", "điện", "nước", "mạng", "internet", "rác", "thải", "tiếng", "ồn", "khói", "bụi", "giá", "cả", "an", "ninh", "trộm", "cắp", "cháy", "nổ", "mưa", "to", "nắng", "nóng", "rét", "đậm", "ngập", "úng", "tắc", "đường", "sửa", "đường", "đào", "đường", "đèn", "đường", "cống", "rãnh", "phường", "quận", "thành", "phố", "công", "an", "tổ", "dân", "phố", "ban", "quản", "lý", "chủ", "đầu", "tư", "nhà", "thầu", "bảo", "vệ"]


def short_posts(n: int, seed: int = 7, repost_share: float = 0.05) -> list[dict]:
    """Deterministic synthetic posts (~100–200 characters). Most are distinct, as real feeds
    are; a ``repost_share`` fraction re-posts an earlier text with a small edit, so near-
    duplicate clustering is exercised at a realistic rate."""
    rnd = random.Random(seed)
    rows: list[dict] = []
    for i in range(n):
        if rows and rnd.random() < repost_share:
            base = rnd.choice(rows[-500:])["text"]
            text = f"{rnd.choice(['Chia sẻ:', 'Mọi người xem:', 'Nóng:'])} {base}"
        else:
            words = " ".join(rnd.choice(_WORDS) for _ in range(rnd.randint(8, 16)))
            text = (f"{rnd.choice(_SUBJECTS)} {rnd.choice(_VERBS)} {rnd.choice(_OBJECTS)} ở "
                    f"{rnd.choice(_PLACES)}: {words}, {rnd.choice(_TAILS)}")
        rows.append({"id": str(i), "source": f"nhom-{i % 40}", "kind": "post", "text": text,
                     "published_at": f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00+07:00",
                     "metrics": {"likes": i % 97, "shares": i % 13}})
    return rows


def vntc_articles(limit: int | None = None) -> list[dict]:
    import csv

    path = SHARED_DATA / "vntc-sample" / "train_sample.csv"
    if not path.is_file():
        sys.exit(f"missing {path}: the article benchmark needs ../shared/data")
    csv.field_size_limit(1 << 30)
    rows = []
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            text = r["text"].strip()
            title, _, body = text.partition("\n")
            rows.append({"id": r["doc_id"], "source": r["source"].lower(), "kind": "article",
                         "title": title[:300], "text": body or title})
            if limit and len(rows) >= limit:
                break
    return rows


def write_jsonl(rows: list[dict], path: Path) -> int:
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path.stat().st_size


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def report(name: str, figures: dict[str, object]) -> None:
    print(f"{name}: " + "  ".join(f"{k}={v}" for k, v in figures.items()), flush=True)

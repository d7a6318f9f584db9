"""A small outreach corpus written by this team, with known answers: which pages republished
which official post and when, which aggregator articles lack attribution, which pages should
rank as partners. Fictional sources (*.example.vn, *.demo)."""

from __future__ import annotations

from typing import Any

A = ("UBND phường An Bình thông báo: từ ngày 1/12, người dân có thể nộp hồ sơ đăng ký khai sinh, "
     "đăng ký thường trú và xác nhận cư trú hoàn toàn trực tuyến trên Cổng dịch vụ công. Cán bộ "
     "một cửa sẽ hỗ trợ trực tiếp tại nhà văn hóa các tổ dân phố vào sáng thứ Bảy hằng tuần. "
     "Người dân không cung cấp mã OTP cho bất kỳ ai và chỉ dùng địa chỉ chính thức của phường.")
A_REWORD = A.replace("Người dân không cung cấp", "Bà con lưu ý không cung cấp") + \
    " Mọi thắc mắc xin liên hệ bộ phận một cửa của phường."
B = ("Phường An Bình khánh thành sân chơi cho thiếu nhi tại khu tập thể C3 sau ba tháng thi công. "
     "Sân chơi rộng 800 mét vuông, có khu cầu trượt, xích đu, đường chạy bộ và hệ thống đèn chiếu "
     "sáng. Kinh phí do người dân và doanh nghiệp trên địa bàn đóng góp cùng ngân sách phường; "
     "các tổ dân phố sẽ thay phiên giữ gìn vệ sinh và an toàn cho các cháu.")
PV = ("Theo ghi nhận của phóng viên, sáng nay nhiều tuyến phố quanh chợ An Bình ùn tắc kéo dài do "
      "xe tải đỗ sai quy định. Người dân phản ánh tình trạng này diễn ra nhiều tuần nay. Báo X "
      "Ngày Mới sẽ tiếp tục thông tin tới bạn đọc.")

SOURCES: list[dict[str, Any]] = [
    {"key": "anbinh-ubnd", "name": "Cổng TTĐT UBND phường An Bình", "kind": "social-page",
     "platform": "facebook", "url": "https://www.facebook.com/anbinh.ubnd.demo", "followers": 9000,
     "official": True},
    {"key": "p1", "name": "Yêu An Bình", "kind": "social-page", "followers": 120_000},
    {"key": "p2", "name": "Góc phố An Bình", "kind": "social-page", "followers": 80_000},
    {"key": "n1", "name": "Tin nóng An Bình", "kind": "social-page", "followers": 60_000},
    {"key": "s1", "name": "Nhóm nhỏ An Bình", "kind": "social-group", "followers": 5_000},
    {"key": "bao-x", "name": "Báo X Ngày Mới", "kind": "aggregator", "url": "https://baox.example.vn",
     "followers": 30_000, "licence": "Giấy phép trang tổng hợp (hư cấu)"},
    {"key": "tonghop-y", "name": "Tổng hợp Y", "kind": "aggregator", "url": "https://tonghopy.example.vn",
     "followers": 20_000, "licence": "Giấy phép trang tổng hợp (hư cấu)"},
]
O1_URL = "https://www.facebook.com/anbinh.ubnd.demo/posts/1001"


def rows() -> list[dict[str, Any]]:
    m = {"likes": 100, "shares": 10, "comments": 10}
    return [
        {"id": "o1", "source": "anbinh-ubnd", "kind": "post", "url": O1_URL, "text": A,
         "published_at": "2026-11-02T08:00:00+07:00", "metrics": m, "followers": 9000},
        {"id": "n1-1", "source": "n1", "kind": "post", "text": f"Mọi người xem thông báo của phường nhé {O1_URL}",
         "published_at": "2026-11-02T09:00:00+07:00", "metrics": {"likes": 30, "shares": 1, "comments": 5},
         "followers": 60_000},
        {"id": "p1-1", "source": "p1", "kind": "post", "text": A + " Chia sẻ để bà con cùng biết.",
         "published_at": "2026-11-02T10:00:00+07:00", "metrics": {"likes": 2400, "shares": 300, "comments": 120},
         "followers": 118_000},
        {"id": "bx-1", "source": "bao-x", "kind": "article", "title": "Phường An Bình cho nộp hồ sơ trực tuyến",
         "url": "https://baox.example.vn/a/1", "text": A, "published_at": "2026-11-02T11:00:00+07:00"},
        {"id": "p2-1", "source": "p2", "kind": "post", "text": A_REWORD,
         "published_at": "2026-11-02T13:00:00+07:00", "metrics": {"likes": 900, "shares": 80, "comments": 40},
         "followers": 80_000},
        {"id": "o2", "source": "anbinh-ubnd", "kind": "post", "url": "https://www.facebook.com/anbinh.ubnd.demo/posts/1002",
         "text": B, "published_at": "2026-11-05T08:00:00+07:00", "metrics": m},
        {"id": "p1-2", "source": "p1", "kind": "post", "text": B,
         "published_at": "2026-11-06T08:00:00+07:00", "metrics": {"likes": 3000, "shares": 200, "comments": 90},
         "followers": 121_000},
        {"id": "ty-1", "source": "tonghop-y", "kind": "article", "title": "Sân chơi mới cho thiếu nhi",
         "url": "https://tonghopy.example.vn/b/1",
         "text": B + "\n(Theo Cổng TTĐT UBND phường An Bình) https://www.facebook.com/anbinh.ubnd.demo/posts/1002",
         "published_at": "2026-11-05T12:00:00+07:00"},
        {"id": "bx-2", "source": "bao-x", "kind": "article", "title": "Ùn tắc quanh chợ An Bình",
         "url": "https://baox.example.vn/a/2", "text": PV, "author": "PV",
         "published_at": "2026-11-07T09:00:00+07:00"},
        {"id": "n1-2", "source": "n1", "kind": "post", "text": "Chợ An Bình hôm nay đông quá, ai đi qua thì tránh nhé",
         "published_at": "2026-11-07T10:00:00+07:00", "metrics": {"likes": 20, "shares": 0, "comments": 40},
         "followers": 60_000},
        {"id": "n1-c1", "source": "n1", "kind": "comment", "parent_id": "n1-2", "text": "đồ ngu, đi đường khác đi",
         "published_at": "2026-11-07T10:10:00+07:00"},
        {"id": "n1-c2", "source": "n1", "kind": "comment", "parent_id": "n1-2", "text": "bọn mày toàn nói láo",
         "published_at": "2026-11-07T10:20:00+07:00"},
        {"id": "s1-1", "source": "s1", "kind": "post", "text": B,
         "published_at": "2026-11-08T08:00:00+07:00", "metrics": {"likes": 50, "shares": 5, "comments": 2},
         "followers": 5_000},
    ]


# Known labels (what a reviewer decided), so ranking does not depend on a model version.
LABELS = {"p1-1": ("sentiment", "positive"), "p1-2": ("sentiment", "positive"),
          "p2-1": ("sentiment", "positive"), "n1-2": ("sentiment", "negative"),
          "n1-c1": ("toxicity", "offensive"), "n1-c2": ("toxicity", "offensive"),
          "s1-1": ("sentiment", "positive")}


def load(store: Any, settings: Any) -> dict[str, int]:
    """Load the corpus; returns external id -> item id."""
    from sqlalchemy import insert, select

    from tests.helpers import run_rows
    from vimon.store.base import utcnow
    from vimon.store.schema import items, labels

    settings.classify_on_ingest = False
    for s in SOURCES:
        store.upsert_source(s)
    run_rows(store, settings, rows())
    with store.read() as conn:
        ids = {r.external_id: int(r.id) for r in conn.execute(select(items.c.id, items.c.external_id))}
    with store.write() as conn:
        conn.execute(insert(labels), [{"item_id": ids[x], "task": t, "label": lb, "score": 1.0,
                                        "origin": "review", "created_at": utcnow()}
                                       for x, (t, lb) in LABELS.items()])
    return ids

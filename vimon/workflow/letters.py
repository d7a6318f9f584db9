"""Outgoing letters (công văn) for approved actions, as DOCX (python-docx) and PDF (fpdf2).

The letter's content is built once as plain data (``build``) and then laid out by each
renderer, so the two files always say the same thing. PDF needs a TrueType font with
Vietnamese glyphs: ``VIMON_LETTER_FONT``, else DejaVu Sans from the Debian package
``fonts-dejavu-core`` (or matplotlib's copy, if installed); without one the PDF is refused
with a message naming the setting, never printed with missing letters.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from vimon.errors import VimonError

LOCAL = timezone(timedelta(hours=7))
_DATA = Path(__file__).with_name("platforms.json")
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)
TITLES = {
    "removal_request": "V/v đề nghị ngăn chặn, gỡ bỏ thông tin vi phạm pháp luật",
    "police_referral": "V/v chuyển thông tin dấu hiệu vi phạm pháp luật",
    "sanction": "V/v đề xuất xử phạt vi phạm hành chính",
}


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    return json.loads(_DATA.read_text(encoding="utf-8"))


def platforms() -> dict[str, dict[str, str]]:
    return data()["platforms"]


def check_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    p = {k: (str(v).strip()[:2000] if v is not None else "") for k, v in params.items()}
    if kind == "removal_request":
        if p.get("platform") not in platforms():
            raise VimonError("VM-WF-070", "Chọn nền tảng nhận yêu cầu gỡ bỏ / choose the platform")
    elif kind == "sanction":
        p.setdefault("decree", "")
        p["decree"] = p["decree"] or data()["legal_basis"]["sanction_decree"]
        if not p.get("article"):
            raise VimonError("VM-WF-071", "Cần ghi điều, khoản áp dụng (vd. Điều 101 khoản 1 điểm a) / "
                             "cite the article")
    elif kind == "police_referral":
        p["recipient"] = p.get("recipient") or data()["legal_basis"]["police_recipient"]
    return {k: v for k, v in p.items() if k in ("platform", "decree", "article", "subject",
                                                 "recipient", "reason", "fine")}


def build(settings: Any, case: dict[str, Any], action: dict[str, Any],
          case_items: list[dict[str, Any]]) -> dict[str, Any]:
    kind = action["kind"]
    p = action.get("params") or {}
    today = datetime.now(UTC).astimezone(LOCAL)
    links = [it["url"] or f"(tin #{it['id']}, nguồn {it['source'] or '—'})" for it in case_items]
    if kind == "removal_request":
        plat = platforms()[p["platform"]]
        recipient = plat["recipient"]
        body = [
            f"Căn cứ {data()['legal_basis']['removal_request']};",
            f"Qua công tác theo dõi, {settings.org_name.title()} phát hiện trên nền tảng "
            f"{plat['name']} có các thông tin vi phạm pháp luật (hồ sơ số {case['id']}: "
            f"{case['title']}), cụ thể tại các đường dẫn sau:",
            *[f"    {i}. {u}" for i, u in enumerate(links, 1)],
            "Đề nghị Quý đơn vị thực hiện ngăn chặn, gỡ bỏ các thông tin nêu trên chậm nhất 24 giờ "
            "kể từ khi nhận được văn bản này và thông báo kết quả về cơ quan chúng tôi.",
        ]
    elif kind == "police_referral":
        recipient = p.get("recipient") or data()["legal_basis"]["police_recipient"]
        body = [
            f"{settings.org_name.title()} chuyển đến Quý cơ quan thông tin có dấu hiệu vi phạm "
            f"pháp luật (hồ sơ số {case['id']}: {case['title']}) để xem xét, xử lý theo thẩm quyền.",
            *[f"    {i}. {u}" for i, u in enumerate(links, 1)],
            f"Nội dung: {p.get('reason') or case.get('summary') or case['title']}",
            "Hồ sơ chứng cứ (bản lưu nội dung, thời điểm thu thập, mã băm SHA-256) kèm theo.",
        ]
    elif kind == "sanction":
        recipient = "Chánh Thanh tra / Người có thẩm quyền xử phạt"
        body = [
            f"Căn cứ {p.get('decree')}, {p.get('article')};",
            f"{settings.org_name.title()} đề xuất xem xét xử phạt vi phạm hành chính đối với "
            f"{p.get('subject') or 'chủ thể đăng tải'} về hành vi liên quan đến hồ sơ số "
            f"{case['id']}: {case['title']}.",
            *[f"    {i}. {u}" for i, u in enumerate(links, 1)],
            *([f"Mức phạt đề xuất: {p['fine']}."] if p.get("fine") else []),
        ]
    else:
        raise VimonError("VM-WF-072", "Hành động này không có công văn / this action has no letter")
    return {
        "parent": settings.org_parent, "org": settings.org_name,
        "number": f"Số: {action['id']:04d}/CV-VIMON",
        "place_date": f"Hà Nội, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}",
        "title": TITLES[kind], "recipient": f"Kính gửi: {recipient}", "body": body,
        "approved": f"Đã được phê duyệt bởi {action.get('decided_by') or '—'}",
        "signature": "THỦ TRƯỞNG CƠ QUAN",
    }


def render_docx(letter: dict[str, Any]) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.text = f"{letter['parent']}\n{letter['org']}\n{letter['number']}"
    right.text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    for cell in (left, right):
        for par in cell.paragraphs:
            par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.add_paragraph(letter["place_date"])
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    title = doc.add_paragraph()
    title.add_run(letter["title"]).bold = True
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    rec = doc.add_paragraph(letter["recipient"])
    rec.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in letter["body"]:
        doc.add_paragraph(line)
    doc.add_paragraph(letter["approved"]).runs[0].italic = True
    sig = doc.add_paragraph()
    sig.add_run(letter["signature"]).bold = True
    sig.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def find_font(settings: Any) -> Path:
    candidates = [settings.letter_font] if getattr(settings, "letter_font", None) else []
    candidates += list(FONT_CANDIDATES)
    try:  # matplotlib ships DejaVu Sans too
        import matplotlib

        candidates.append(str(Path(matplotlib.__file__).parent / "mpl-data/fonts/ttf/DejaVuSans.ttf"))
    except ImportError:
        pass
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    raise VimonError("VM-WF-073", "Không tìm thấy phông chữ tiếng Việt cho PDF / no Vietnamese font "
                     "for PDF", "Cài gói fonts-dejavu-core hoặc đặt VIMON_LETTER_FONT=/đường/dẫn.ttf")


def render_pdf(letter: dict[str, Any], settings: Any) -> bytes:
    from fpdf import FPDF

    font = find_font(settings)
    pdf = FPDF(format="A4")
    pdf.set_margins(25, 20, 20)
    pdf.add_page()
    pdf.add_font("vn", "", str(font))
    pdf.set_font("vn", size=11)
    w = pdf.epw / 2
    y = pdf.get_y()
    pdf.multi_cell(w, 6, f"{letter['parent']}\n{letter['org']}\n{letter['number']}", align="C")
    pdf.set_xy(pdf.l_margin + w, y)
    pdf.multi_cell(w, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc", align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.cell(0, 7, letter["place_date"], align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("vn", size=13)
    pdf.multi_cell(0, 7, letter["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("vn", size=11)
    pdf.multi_cell(0, 7, letter["recipient"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for line in letter["body"]:
        pdf.multi_cell(0, 6.5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.ln(3)
    pdf.multi_cell(0, 6, letter["approved"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.cell(0, 7, letter["signature"], align="R")
    return bytes(pdf.output())

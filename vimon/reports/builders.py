"""A period report as sections (headings, sentences, tables) built once from the context of
``vimon.reports.period.build``, then written as DOCX (python-docx), XLSX (openpyxl) or shown
by the web page: the three say the same thing because they read the same sections."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

KIND_NAMES = {"article": "Bài báo", "post": "Bài đăng", "comment": "Bình luận", "video": "Video"}
FLAG_STATUS = {"open": "đang chờ", "confirmed": "xác nhận", "corrected": "sửa nhãn",
               "dismissed": "bỏ qua"}
FLAG_KINDS = {"model": "mô hình", "watchlist": "danh sách theo dõi", "match": "trùng tin đã bác bỏ",
              "report": "phản ánh"}
ACTION_STATUS = {"proposed": "đề xuất", "approved": "phê duyệt", "rejected": "từ chối",
                 "sent": "đã gửi", "done": "hoàn thành"}
NOTE = ("Số liệu do vimon tự động tổng hợp từ các nguồn đang theo dõi; nhãn của mô hình là gợi ý, "
        "mọi nhận định và biện pháp xử lý do cán bộ có thẩm quyền quyết định.")


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]]


@dataclass
class Section:
    heading: str
    sheet: str  # its XLSX sheet (31 characters at most)
    lines: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def _pct(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x * 100:+.1f}%".replace(".", ",")


def _share(x: float) -> str:
    return f"{x * 100:.1f}%".replace(".", ",")


def number(x: float | None) -> str:
    if x is None:
        return "—"
    return _n(int(x)) if float(x).is_integer() else f"{x:.1f}".replace(".", ",")


def _n(x: int) -> str:
    return f"{x:,}".replace(",", ".")


def _ranked(rows: list[dict[str, Any]], first: str, names: dict[str, str] | None = None) -> Table:
    return Table([first, "Số tin", "Tích cực", "Tiêu cực", "Lượt tiếp cận"],
                 [[(names or {}).get(r["label"], r["label"]), r["n"], r["pos"], r["neg"],
                   r["reach"]] for r in rows])


def _named(counts: dict[str, int], names: dict[str, str]) -> str:
    if not counts:
        return "0"
    parts = [f"{names.get(k, k)} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])]
    return f"{sum(counts.values())} ({', '.join(parts)})"


def sections(ctx: dict[str, Any]) -> list[Section]:
    from vimon.portal.reports import categories
    from vimon.workflow import statuses

    t, before, ch, share = ctx["totals"], ctx["previous_totals"], ctx["change"], ctx["share"]
    prev = ctx["period"]["previous"]
    overview = Section("1. Tình hình thông tin trên không gian mạng", "Tổng quan", [
        f"Tổng số tin thu thập: {_n(t['n'])} ({_pct(ch['n'])} so với {prev}: {_n(before['n'])}).",
        f"Tích cực: {_n(t['pos'])} ({_share(share['pos'])}); tiêu cực: {_n(t['neg'])} "
        f"({_share(share['neg'])}); trung tính: {_n(t['neu'])} ({_share(share['neu'])}).",
        f"Tổng lượt tiếp cận (người theo dõi, tương tác): {_n(t['reach'])} ({_pct(ch['reach'])}).",
    ], [Table(["Chỉ số", "Kỳ này", "Kỳ trước", "Thay đổi"],
              [["Số tin", t["n"], before["n"], _pct(ch["n"])],
               ["Tin tích cực", t["pos"], before["pos"], _pct(ch["pos"])],
               ["Tin tiêu cực", t["neg"], before["neg"], _pct(ch["neg"])],
               ["Lượt tiếp cận", t["reach"], before["reach"], _pct(ch["reach"])]])])
    if not t["n"]:
        overview.lines.append("Không có tin nào trong kỳ.")
    stories = Section("5. Vấn đề nổi bật (nhiều nguồn cùng đưa tin)", "Vấn đề nổi bật")
    if ctx["stories"]:
        stories.tables.append(Table(["Vấn đề", "Số tin", "Số nguồn", "Kỳ trước"],
                                    [[s["title"], s["items"], s["sources"], s["previous"]]
                                     for s in ctx["stories"]]))
    else:
        stories.lines.append("Không có câu chuyện nào được từ hai nguồn trở lên đưa tin.")
    w = ctx["work"]
    case_names = {s: statuses.label(s) for s in statuses.status_ids()}
    work = Section("6. Kết quả tiếp nhận và xử lý", "Xử lý", [], [Table(["Nội dung", "Số lượng"], [
        ["Hồ sơ vụ việc mở mới", w["cases_opened"]],
        ["Hồ sơ kết thúc", _named(w["cases_closed"], case_names)],
        ["Hồ sơ đang xử lý (hiện tại)", w["cases_open_now"]],
        ["Biện pháp xử lý được đề xuất", w["actions_proposed"]],
        ["Biện pháp được quyết định", _named(w["actions_decided"], ACTION_STATUS)],
        ["Cảnh báo tự động (gợi ý) phát sinh", _named(w["flags_raised"], FLAG_KINDS)],
        ["Cảnh báo đã được cán bộ quyết định", _named(w["flags_decided"], FLAG_STATUS)],
        ["Phản ánh của người dân", _named(w["reports_received"], categories())],
        ["Bài đính chính / bác bỏ tin sai đã đăng", w["debunks_published"]],
        ["Cảnh báo gửi đi (danh sách theo dõi, đột biến)", w["alerts_raised"]],
    ])])
    plans = Section("7. Thực hiện kế hoạch", "Kế hoạch")
    if ctx["plans"]:
        plans.tables.append(Table(
            ["Kế hoạch", "Nhiệm vụ", "Hoàn thành", "Đang thực hiện", "Chưa triển khai", "Quá hạn"],
            [[p["plan"], p["tasks"], p["done"], p["in_progress"], p["not_started"], p["overdue"]]
             for p in ctx["plans"]]))
    lines = [line | {"plan": p["plan"]} for p in ctx["plans"] for line in p["lines"]]
    if lines:
        plans.tables.append(Table(
            ["Kế hoạch", "Mã", "Nhiệm vụ", "Đơn vị chủ trì", "Tiến độ", "Giá trị / chỉ tiêu"],
            [[t["plan"], t["code"], t["title"], t["unit"],
              t["status_label"] + (" (quá hạn)" if t["overdue"] else ""),
              f"{number(t['value'])} / {number(t['target'])}"] for t in lines]))
    if not ctx["plans"]:
        plans.lines.append("Chưa nhập kế hoạch nào (vimon plans import).")
    return [
        overview,
        Section("2. Theo chủ đề", "Chủ đề", [], [_ranked(ctx["by_topic"], "Chủ đề")]),
        Section("3. Theo địa bàn", "Địa bàn", [], [_ranked(ctx["by_district"], "Địa bàn")]),
        Section("4. Theo nguồn và loại tin", "Nguồn và loại tin", [],
                [_ranked(ctx["by_source"], "Nguồn"), _ranked(ctx["by_kind"], "Loại tin", KIND_NAMES)]),
        stories,
        work,
        plans,
    ]


def to_docx(ctx: dict[str, Any]) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    title = doc.add_paragraph()
    title.add_run(ctx["title"].upper()).bold = True
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph(f"Kỳ báo cáo: {ctx['period']['label']} · so sánh với "
                            f"{ctx['period']['previous']} · lập lúc {ctx['generated_at']}")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for sec in sections(ctx):
        doc.add_heading(sec.heading, level=2)
        for line in sec.lines:
            doc.add_paragraph(line)
        for tab in sec.tables:
            table = doc.add_table(rows=1, cols=len(tab.columns))
            table.style = "Table Grid"
            for cell, name in zip(table.rows[0].cells, tab.columns, strict=True):
                cell.text = name
                cell.paragraphs[0].runs[0].bold = True
            for row in tab.rows:
                cells = table.add_row().cells
                for cell, value in zip(cells, row, strict=True):
                    cell.text = _n(value) if isinstance(value, int) else str(value)
    doc.add_paragraph(NOTE).runs[0].italic = True
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def to_xlsx(ctx: dict[str, Any]) -> bytes:
    """One sheet per section; numbers stay numbers (sortable, summable)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for sec in sections(ctx):
        ws = wb.create_sheet(sec.sheet)
        ws.append([ctx["title"]])
        ws["A1"].font = Font(bold=True)
        ws.append([sec.heading])
        for line in sec.lines:
            ws.append([line])
        for tab in sec.tables:
            ws.append([])
            ws.append(tab.columns)
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
            for row in tab.rows:
                ws.append(row)
        ws.column_dimensions["A"].width = 60
    ws = wb.worksheets[0]
    ws.append([])
    ws.append([NOTE])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_pdf(ctx: dict[str, Any], settings: Any) -> bytes:
    """A4 PDF (fpdf2) in the Vietnamese font the letters use (``VIMON_LETTER_FONT``)."""
    from fpdf import FPDF

    from vimon.workflow.letters import find_font

    font = str(find_font(settings))
    pdf = FPDF(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    pdf.add_font("vn", "", font)
    pdf.add_font("vn", "B", font)  # table headings ask for bold: the same face
    pdf.set_font("vn", size=13)
    pdf.multi_cell(0, 7, ctx["title"].upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("vn", size=9)
    pdf.multi_cell(0, 5, f"Kỳ báo cáo: {ctx['period']['label']} · so sánh với "
                         f"{ctx['period']['previous']} · lập lúc {ctx['generated_at']}",
                   align="C", new_x="LMARGIN", new_y="NEXT")
    for sec in sections(ctx):
        pdf.ln(3)
        pdf.set_font("vn", size=11)
        pdf.multi_cell(0, 6, sec.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("vn", size=9)
        for line in sec.lines:
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        for tab in sec.tables:
            with pdf.table(line_height=5, text_align="LEFT") as table:
                head = table.row()
                for name in tab.columns:
                    head.cell(name)
                for values in tab.rows:
                    row = table.row()
                    for v in values:
                        row.cell(_n(v) if isinstance(v, int) else str(v))
            pdf.ln(2)
    pdf.ln(3)
    pdf.multi_cell(0, 5, NOTE, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# The files a report is written as: media type and writer (ctx, settings) → bytes.
FORMATS: dict[str, tuple[str, Any]] = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             lambda ctx, settings: to_docx(ctx)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             lambda ctx, settings: to_xlsx(ctx)),
    "pdf": ("application/pdf", to_pdf),
}


def file_name(ctx: dict[str, Any], fmt: str) -> str:
    return f"vimon-bao-cao-{ctx['period']['kind']}-{ctx['period']['first']}.{fmt}"


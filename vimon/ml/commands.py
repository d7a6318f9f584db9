"""Typer commands for models: ``train``, ``classify``, ``eval``, ``models``.

Thin: parse options, call ``vimon.ml.service``, print with rich. ``vimon/cli.py`` registers
them (``eval_`` is registered under the name ``eval``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from vimon.errors import VimonError

out = Console()
err = Console(stderr=True)


def _print_report(report: dict) -> None:
    if not report:
        out.print("(không có dữ liệu giữ lại để đo / no held-out rows to measure on)")
        return
    if "accuracy" in report:
        out.print(
            f"accuracy [bold]{report['accuracy']:.4f}[/]  macro-F1 [bold]{report['macro_f1']:.4f}[/]"
            f"  (n={report['n']})"
        )
    else:
        out.print(
            f"micro-F1 [bold]{report['micro_f1']:.4f}[/]  macro-F1 [bold]{report['macro_f1']:.4f}[/]"
            f"  (n={report['n']})"
        )
    if "span_f1" in report:
        out.print(f"span F1 (ký tự / character) [bold]{report['span_f1']:.4f}[/]")
    table = Table("nhãn / label", "P", "R", "F1", "n")
    for label, row in report["per_class"].items():
        table.add_row(
            label, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}",
            str(row["support"]),
        )
    out.print(table)
    if "confusion_matrix" in report:
        cm = Table("thật \\ đoán / true \\ pred", *report["labels"])
        for label, row in zip(report["labels"], report["confusion_matrix"], strict=True):
            cm.add_row(label, *[str(v) for v in row])
        out.print(cm)


def train(
    task: Annotated[str, typer.Option("--task", help="Tên tác vụ / task name (toxicity, …)")],
    data: Annotated[
        Path | None, typer.Option("--data", help="Tệp CSV/JSONL có nhãn / labeled file")
    ] = None,
    text_col: Annotated[str, typer.Option("--text-col", help="Cột văn bản")] = "text",
    label_col: Annotated[
        str, typer.Option("--label-col", help="Cột nhãn (với --spans: cột vị trí ký tự)")
    ] = "label",
    spans: Annotated[
        bool, typer.Option("--spans", help="Nhãn là danh sách vị trí ký tự xúc phạm (ViHOS)")
    ] = False,
    multilabel: Annotated[
        bool | None,
        typer.Option("--multilabel/--single-label", help="Đa nhãn; mặc định: tự nhận biết"),
    ] = None,
    from_reviews: Annotated[
        bool, typer.Option("--from-reviews", help="Học từ nhãn kiểm duyệt / from review labels")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON")] = False,
) -> None:
    """Huấn luyện một phiên bản mô hình mới và kích hoạt / train and activate a new model version."""
    from vimon.ml import service

    rows = None
    if from_reviews:
        rows = _review_rows(task)
    elif data is None:
        raise VimonError("VM-ML01", "Thiếu --data / --data FILE is required",
                         "vimon train --task T --data F --text-col C --label-col L")
    with err.status(f"Đang huấn luyện / training {task}…"):
        result = service.train(
            task, data, text_col, label_col, spans=spans, multilabel=multilabel,
            from_reviews_rows=rows,
        )
    if as_json:
        out.print_json(json.dumps(result, ensure_ascii=False))
        return
    info = result["training"]
    out.print(
        f"Tác vụ / task [bold]{task}[/] → phiên bản / version [bold green]{result['version']}[/] "
        f"(đang dùng / active); {info['n_train']} mẫu huấn luyện / training rows, "
        f"{info['n_holdout']} giữ lại / held out, {info['seconds']} s"
    )
    _print_report(result["metrics"])


def _review_rows(task: str) -> list[dict]:
    """Labels that reviewers gave for ``task`` (from the review store)."""
    try:
        from vimon.workflow import review_labels  # type: ignore[attr-defined]
    except ImportError as exc:
        raise VimonError(
            "VM-ML04",
            "Học từ nhãn kiểm duyệt chưa khả dụng: kho kiểm duyệt chưa cung cấp nhãn. / "
            "--from-reviews is not available yet: the review store does not provide labels.",
            "Xuất nhãn ra CSV (text,label) rồi dùng --data / export labels as CSV and use --data",
        ) from exc
    return list(review_labels(task))


def classify(
    task: Annotated[str, typer.Option("--task", help="Tên tác vụ")],
    input: Annotated[Path, typer.Option("--input", help="Tệp CSV/JSONL đầu vào")],
    output: Annotated[str, typer.Option("--output", help="Tệp JSONL kết quả ('-' = stdout)")],
    text_col: Annotated[str, typer.Option("--text-col", help="Cột văn bản")] = "text",
    model: Annotated[
        str | None, typer.Option("--model", help="Phiên bản (mặc định: đang dùng)")
    ] = None,
) -> None:
    """Phân loại hàng loạt, mỗi dòng vào một JSON / batch predictions, one JSON per row."""
    from vimon.ml import service

    n = service.classify_file(task, input, text_col, output, model_version=model)
    if output != "-":
        err.print(f"Đã phân loại / classified {n} dòng → {output}")


def eval_(
    task: Annotated[str, typer.Option("--task", help="Tên tác vụ")],
    data: Annotated[Path, typer.Option("--data", help="Tệp CSV/JSONL có nhãn")],
    text_col: Annotated[str, typer.Option("--text-col", help="Cột văn bản")] = "text",
    label_col: Annotated[str, typer.Option("--label-col", help="Cột nhãn")] = "label",
    model: Annotated[str | None, typer.Option("--model", help="Phiên bản")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In JSON")] = False,
) -> None:
    """Đo chất lượng mô hình / metrics: accuracy, macro-F1, per-class P/R/F1, confusion matrix."""
    from vimon.ml import service

    report = service.evaluate(task, data, text_col, label_col, model_version=model)
    if as_json:
        print(json.dumps(report, ensure_ascii=False))
        return
    out.print(f"Tác vụ / task [bold]{task}[/], phiên bản / version {report['model_version']}")
    _print_report(report)


def models(
    action: Annotated[str, typer.Argument(help="list | activate | rollback")] = "list",
    task: Annotated[str | None, typer.Option("--task", help="Tên tác vụ")] = None,
    version: Annotated[str | None, typer.Option("--version", help="Phiên bản (activate)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In JSON")] = False,
) -> None:
    """Phiên bản mô hình: liệt kê, kích hoạt, quay lại / list, activate, roll back versions."""
    from vimon.ml import service

    if action == "list":
        tasks = [task] if task else service.registry().tasks()
        rows = [dict(v, task=t) for t in tasks for v in service.list_versions(t)]
        if as_json:
            print(json.dumps(rows, ensure_ascii=False))
            return
        table = Table("task", "version", "active", "created", "labels", "metrics", "size")
        for row in rows:
            table.add_row(
                row["task"], row["version"], "✓" if row.get("active") else "",
                str(row.get("created_at") or ""), ", ".join(row.get("labels", []))[:40],
                _metric_summary(row.get("metrics", {})), f"{(row.get('size_bytes') or 0) / 1e6:.1f} MB",
            )
        out.print(table)
    elif action in ("activate", "rollback"):
        if not task:
            raise VimonError("VM-ML02", f"'{action}' cần --task / needs --task")
        if action == "activate":
            if not version:
                raise VimonError("VM-ML02", "activate cần --version / needs --version")
            service.activate(task, version)
            out.print(f"{task}: đang dùng / active = [bold]{version}[/]")
        else:
            now = service.rollback(task)
            out.print(f"{task}: đã quay lại / rolled back; đang dùng / active = [bold]{now}[/]")
    else:
        raise VimonError("VM-ML02", f"hành động không rõ / unknown action {action!r}",
                         "list | activate | rollback")


def _metric_summary(metrics: dict) -> str:
    parts = []
    for split, report in metrics.items():
        if isinstance(report, dict) and "macro_f1" in report:
            parts.append(f"{split} F1={report['macro_f1']:.3f}")
    return "; ".join(parts)

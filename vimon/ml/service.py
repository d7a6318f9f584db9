"""What the CLI, the web views and the pipeline call: train, classify, evaluate, registry.

Errors reach users as ``vimon.errors`` coded errors (``VM-ML…``), never as tracebacks.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from vimon.errors import InputError, NotFound, VimonError
from vimon.ml import data as ml_data
from vimon.ml import metrics
from vimon.ml import spans as span_model
from vimon.ml.linear import TrainConfig, fit_classifier
from vimon.ml.predict import Prediction, predict_batch, uncertain_first
from vimon.ml.registry import Registry, RegistryError, check_task_name
from vimon.ml.storage import ArtifactError, TaskModel

__all__ = [
    "Prediction",
    "activate",
    "classify_file",
    "classify_texts",
    "evaluate",
    "list_versions",
    "load_model",
    "predict_active",
    "rollback",
    "train",
    "uncertain_first_order",
]

BATCH = 2000
HOLDOUT_BUCKETS = 10  # 1 in 10 texts (by a hash of the text) is held out by `train`
_cache: dict[tuple[str, str, str], TaskModel] = {}
_cache_lock = threading.Lock()


def registry() -> Registry:
    from vimon.settings import get_settings

    return Registry(Path(get_settings().home) / "models")


def _wrap(exc: Exception) -> VimonError:
    if isinstance(exc, ml_data.DataError):
        return InputError("VM-ML01", str(exc), "Kiểm tra tệp và tên cột / check the file and columns")
    if isinstance(exc, RegistryError):
        return NotFound("VM-ML02", str(exc), "vimon models list --task T")
    if isinstance(exc, ArtifactError):
        return VimonError("VM-ML03", str(exc), "Huấn luyện lại hoặc rollback / retrain or roll back")
    return VimonError("VM-ML00", str(exc))


def load_model(task: str, version: str | None = None) -> TaskModel:
    """The active (or given) version of ``task``, cached in-process per version."""
    reg = registry()
    try:
        version = version or reg.active_version(check_task_name(task))
        if version is None:
            raise RegistryError(
                f"task {task!r} has no model: train one with vimon train --task {task}"
            )
        key = (str(reg.root), task, version)
        with _cache_lock:
            model = _cache.get(key)
        if model is None:
            model = reg.load(task, version)
            with _cache_lock:
                _cache[key] = model
        return model
    except (RegistryError, ArtifactError) as exc:
        raise _wrap(exc) from exc


# -- training ---------------------------------------------------------------------------
def _is_holdout(text: str) -> bool:
    return zlib.crc32(text.strip().encode("utf-8")) % HOLDOUT_BUCKETS == 0


def fit_task(
    texts: list[str],
    labels: list,
    *,
    multilabel: bool,
    char_offsets: list[list[int]] | None = None,
    config: TrainConfig | None = None,
    span_path: Path | None = None,
) -> tuple:
    """Train a classifier (and a span tagger when offsets are given)."""
    started = time.perf_counter()
    classifier, info = fit_classifier(texts, labels, multilabel=multilabel, config=config)
    info["classifier_seconds"] = round(time.perf_counter() - started, 1)
    if char_offsets is not None:
        assert span_path is not None
        started = time.perf_counter()
        span_model.train_span_tagger(texts, char_offsets, span_path)
        info["span_seconds"] = round(time.perf_counter() - started, 1)
        info["span_gate_label"] = _gate_label(labels, char_offsets)
    return classifier, info


def _gate_label(labels: list, char_offsets: list[list[int]]) -> str:
    """The label whose rows most often have no span (``clean``)."""
    empty: dict[str, list[int]] = {}
    for label, marked in zip(labels, char_offsets, strict=True):
        empty.setdefault(label, []).append(0 if marked else 1)
    return max(empty, key=lambda lab: (np.mean(empty[lab]), lab == "clean"))


def _labels_from_offsets(offsets: list[list[int]]) -> list[str]:
    return ["offensive" if marked else "clean" for marked in offsets]


def score_model(
    model: TaskModel, texts: list[str], labels: list, offsets: list[list[int]] | None = None
) -> dict:
    preds = classify_texts(model, texts)
    clf = model.classifier
    if clf.multilabel:
        report = metrics.multilabel_report(labels, [p.label for p in preds], clf.labels)
    else:
        report = metrics.classification_report(
            labels, [p.label for p in preds if isinstance(p.label, str)], clf.labels
        )
    if offsets is not None and model.span_tagger is not None:
        predicted = [span_model.expand_ranges(p.spans or []) for p in preds]
        report["span_f1"] = metrics.mean_span_f1(offsets, predicted)
    return report


def train(
    task: str,
    data_path: str | Path | None,
    text_col: str = "text",
    label_col: str = "label",
    *,
    spans: bool = False,
    multilabel: bool | None = None,
    from_reviews_rows: Iterable[dict] | None = None,
    config: TrainConfig | None = None,
) -> dict:
    """Train ``task`` from a labeled file (or review rows), register and activate it.

    One text in ten (chosen by a hash of the text, so duplicates stay together) is held
    out; the returned metrics are measured on it. With ``spans=True`` the label column holds
    character offsets (a JSON list, ViHOS ``index_spans``), the class is ``offensive`` when
    the list is non-empty, else ``clean``, and a span tagger is trained too.
    """
    try:
        check_task_name(task)
        offsets: list[list[int]] | None = None
        if from_reviews_rows is not None:
            rows = [r for r in from_reviews_rows if str(r.get("text", "")).strip() and r.get("label")]
            texts = [str(r["text"]) for r in rows]
            labels = [r["label"] for r in rows]
            multilabel = bool(multilabel) or any(isinstance(lab, list) for lab in labels)
            source = "reviews"
        else:
            if data_path is None:
                raise ml_data.DataError("no training data: give --data FILE")
            source = str(data_path)
            if spans:
                texts, offsets = ml_data.read_spans(data_path, text_col, label_col)
                labels = _labels_from_offsets(offsets)
                multilabel = False
            else:
                texts, labels, _lines, multilabel = ml_data.read_labeled(
                    data_path, text_col, label_col, multilabel=multilabel
                )
        keep = [i for i, t in enumerate(texts) if not _is_holdout(t)]
        held = [i for i, t in enumerate(texts) if _is_holdout(t)]
        if len(keep) < 10:
            raise ml_data.DataError(f"too few labeled rows to train ({len(texts)})")
        train_texts = [texts[i] for i in keep]
        train_labels = [labels[i] for i in keep]
        distinct = {x for lab in train_labels for x in (lab if multilabel else [lab])}
        if len(distinct) < 2:
            raise ml_data.DataError(f"need at least two different labels, found {sorted(distinct)}")
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            span_path = Path(tmp) / "spans.crfsuite" if offsets is not None else None
            classifier, info = fit_task(
                train_texts,
                train_labels,
                multilabel=bool(multilabel),
                char_offsets=[offsets[i] for i in keep] if offsets is not None else None,
                config=config,
                span_path=span_path,
            )
            info["seconds"] = round(time.perf_counter() - started, 1)
            info["source"] = source
            info["n_holdout"] = len(held)
            probe = TaskModel(task, "candidate", classifier, {"training": info}, None)
            if span_path is not None:
                probe.span_tagger = span_model.SpanTagger(span_path)
            result_metrics = (
                score_model(
                    probe,
                    [texts[i] for i in held],
                    [labels[i] for i in held],
                    [offsets[i] for i in held] if offsets is not None else None,
                )
                if held
                else {}
            )
            reg = registry()
            version = reg.register(
                task,
                classifier,
                metrics={"holdout": result_metrics},
                data_fingerprint=ml_data.fingerprint(texts, labels),
                training=info,
                span_model=span_path,
            )
        return {"task": task, "version": version, "metrics": result_metrics, "training": info}
    except (ml_data.DataError, RegistryError, ArtifactError, ValueError, RuntimeError) as exc:
        raise _wrap(exc) from exc


# -- prediction -------------------------------------------------------------------------
def classify_texts(model: TaskModel, texts: list[str], *, explain: bool = False,
                   shared: dict[int, dict[Any, Any]] | None = None) -> list[Prediction]:
    """``shared``: per batch of BATCH texts (by its start), reused across tasks over the same
    texts (see predict_batch)."""
    out: list[Prediction] = []
    for start in range(0, len(texts), BATCH):
        memo = None if shared is None else shared.setdefault(start, {})
        out.extend(predict_batch(model, texts[start : start + BATCH], explain=explain,
                                 shared=memo))
    return out


def classify_file(
    task: str,
    input_path: str | Path,
    text_col: str,
    output_path: str | Path,
    model_version: str | None = None,
) -> int:
    """Write one JSON object per input row, in order; returns the number of rows."""
    model = load_model(task, model_version)
    try:
        texts = ml_data.read_texts(input_path, text_col)
    except ml_data.DataError as exc:
        raise _wrap(exc) from exc
    to_stdout = str(output_path) == "-"
    fh = sys.stdout if to_stdout else open(output_path, "w", encoding="utf-8")  # noqa: SIM115
    try:
        for start in range(0, len(texts), BATCH):
            for pred in predict_batch(model, texts[start : start + BATCH]):
                fh.write(json.dumps(pred.to_json(), ensure_ascii=False) + "\n")
    finally:
        if not to_stdout:
            fh.close()
    return len(texts)


def evaluate(
    task: str,
    data_path: str | Path,
    text_col: str,
    label_col: str,
    model_version: str | None = None,
) -> dict:
    """Accuracy, macro-F1, per-class P/R/F1 and the confusion matrix (with label order).

    For a span task whose label column holds character offsets, the class is derived as
    in training and the character-level span F1 is added.
    """
    model = load_model(task, model_version)
    try:
        offsets = None
        if model.span_tagger is not None and _looks_like_offsets(data_path, text_col, label_col):
            texts, offsets = ml_data.read_spans(data_path, text_col, label_col)
            labels: list = _labels_from_offsets(offsets)
        else:
            texts, labels, _lines, _ml = ml_data.read_labeled(
                data_path, text_col, label_col, multilabel=model.classifier.multilabel
            )
    except ml_data.DataError as exc:
        raise _wrap(exc) from exc
    report = score_model(model, texts, labels, offsets)
    report["task"] = task
    report["model_version"] = model.version
    return report


def _looks_like_offsets(path: str | Path, text_col: str, label_col: str) -> bool:
    try:
        texts, offsets = ml_data.read_spans(path, text_col, label_col)
    except ml_data.DataError:
        return False
    return bool(texts)


def predict_active(
    texts: list[str], *, explain: bool = True, skip: frozenset[str] = frozenset()
) -> dict[str, list[Prediction]]:
    """Every task with an active (or shipped) model, except those in ``skip`` → one
    Prediction per text, in order."""
    reg = registry()
    out: dict[str, list[Prediction]] = {}
    shared: dict[int, dict[Any, Any]] = {}  # raw feature counts, counted once for all tasks
    for task in reg.tasks():
        if task in skip or reg.active_version(task) is None:
            continue
        out[task] = classify_texts(load_model(task), texts, explain=explain, shared=shared)
    return out


def explain_label(task: str, version: str | None, text: str, label: str, top: int = 8) -> list[dict]:
    """Words of ``text`` that pushed the model towards ``label``: computed when a person
    looks at an item, not during ingest (it costs ~30 ms for a long article)."""
    try:
        model = load_model(task, version)
    except VimonError:
        return []
    targets = [lab for lab in label.split(",") if lab in model.classifier.labels]
    return model.classifier.explain(text, targets[0], top=top) if targets and text.strip() else []


def uncertain_first_order(task: str, texts: list[str]) -> list[int]:
    """Review-queue order for active learning: the texts the model is least sure of first."""
    return uncertain_first(load_model(task), texts)


# -- registry ---------------------------------------------------------------------------
def list_versions(task: str) -> list[dict]:
    try:
        return registry().list_versions(task)
    except RegistryError as exc:
        raise _wrap(exc) from exc


def activate(task: str, version: str) -> None:
    try:
        registry().activate(task, version)
    except (RegistryError, ArtifactError) as exc:
        raise _wrap(exc) from exc


def rollback(task: str) -> str | None:
    try:
        return registry().rollback(task)
    except RegistryError as exc:
        raise _wrap(exc) from exc

"""Evaluation metrics and decision-rule tuning (macro-F1 on a validation split)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def classification_report(y_true: Sequence[str], y_pred: Sequence[str], labels: list[str]) -> dict:
    """Accuracy, macro-F1, per-class P/R/F1/support and the confusion matrix (rows = truth)."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support  # lazy: ~1.5 s

    known = list(labels) + sorted(set(y_true) - set(labels))
    p, r, f, s = precision_recall_fscore_support(
        y_true, y_pred, labels=known, zero_division=0
    )
    present = [i for i, lab in enumerate(known) if s[i] > 0 or lab in set(y_pred)]
    cm = confusion_matrix(y_true, y_pred, labels=known)
    return {
        "n": len(y_true),
        "accuracy": float(np.mean(np.asarray(y_true) == np.asarray(y_pred))) if y_true else 0.0,
        "macro_f1": float(np.mean([f[i] for i in present])) if present else 0.0,
        "per_class": {
            lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                  "support": int(s[i])}
            for i, lab in enumerate(known)
        },
        "labels": known,
        "confusion_matrix": cm.tolist(),
    }


def multilabel_report(
    y_true: Sequence[Iterable[str]], y_pred: Sequence[Iterable[str]], labels: list[str]
) -> dict:
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    index = {lab: i for i, lab in enumerate(labels)}
    t = _binarize(y_true, index)
    p = _binarize(y_pred, index)
    pr, rc, f, s = precision_recall_fscore_support(t, p, zero_division=0)
    present = [i for i in range(len(labels)) if s[i] > 0]
    return {
        "n": len(y_true),
        "subset_accuracy": float(np.mean(np.all(t == p, axis=1))) if len(t) else 0.0,
        "micro_f1": float(f1_score(t, p, average="micro", zero_division=0)),
        "macro_f1": float(np.mean([f[i] for i in present])) if present else 0.0,
        "per_class": {
            lab: {"precision": float(pr[i]), "recall": float(rc[i]), "f1": float(f[i]),
                  "support": int(s[i])}
            for i, lab in enumerate(labels)
        },
        "labels": labels,
    }


def _binarize(rows: Sequence[Iterable[str]], index: dict[str, int]) -> np.ndarray:
    out = np.zeros((len(rows), len(index)), dtype=np.int8)
    for i, row in enumerate(rows):
        for lab in row:
            if lab in index:
                out[i, index[lab]] = 1
    return out


def macro_f1_codes(y: np.ndarray, pred: np.ndarray, k: int) -> float:
    """Macro-F1 over the classes present in ``y`` (integer codes; fast, no sklearn)."""
    cm = np.bincount(y * k + pred, minlength=k * k).reshape(k, k)
    tp = np.diag(cm).astype(float)
    support = cm.sum(axis=1)
    predicted = cm.sum(axis=0)
    denom = support + predicted
    f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    return float(f1[support > 0].mean())


def tune_offsets(log_p: np.ndarray, y: np.ndarray, passes: int = 3) -> np.ndarray:
    """Per-class additive offsets on log-probabilities that maximize macro-F1.

    Coordinate ascent over a grid; offsets are kept in [-2, 2] and a candidate must beat the
    current score by a margin (1e-4) to move, so ties keep the plain argmax rule.
    """
    k = log_p.shape[1]
    offsets = np.zeros(k)
    best = macro_f1_codes(y, np.argmax(log_p, axis=1), k)
    grid = np.arange(-2.0, 2.0001, 0.05)
    for _ in range(passes):
        moved = False
        for c in range(1, k) if k == 2 else range(k):
            for value in grid:
                trial = offsets.copy()
                trial[c] = value
                score = macro_f1_codes(y, np.argmax(log_p + trial, axis=1), k)
                if score > best + 1e-4:
                    best, offsets, moved = score, trial, True
        if not moved:
            break
    return offsets


def tune_thresholds(p: np.ndarray, y: np.ndarray, min_pos: int = 3) -> np.ndarray:
    """Per-label probability thresholds maximizing each label's F1 (multi-label)."""
    thresholds = np.full(p.shape[1], 0.5)
    grid = np.arange(0.05, 0.951, 0.025)
    for j in range(p.shape[1]):
        pos = y[:, j] == 1
        if pos.sum() < min_pos:
            continue
        scores = []
        for t in grid:
            pred = p[:, j] >= t
            tp = np.sum(pred & pos)
            denom = pred.sum() + pos.sum()
            scores.append(2 * tp / denom if denom else 0.0)
        thresholds[j] = grid[int(np.argmax(scores))]
    return thresholds


def span_f1(gold: Iterable[int], pred: Iterable[int]) -> float:
    """Character-level F1 of one comment; both empty counts as 1 (ViHOS convention)."""
    g, p = set(gold), set(pred)
    if not g and not p:
        return 1.0
    if not g or not p:
        return 0.0
    tp = len(g & p)
    return 2 * tp / (len(g) + len(p))


def mean_span_f1(gold: Sequence[Iterable[int]], pred: Sequence[Iterable[int]]) -> float:
    scores = [span_f1(g, p) for g, p in zip(gold, pred, strict=True)]
    return float(np.mean(scores)) if scores else 0.0

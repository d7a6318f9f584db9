"""Batch prediction with a loaded model: labels, scores, spans, explanations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vimon.ml.storage import TaskModel


@dataclass
class Prediction:
    """One model's output for one text (what the pipeline stores as a label)."""

    label: str | list[str]
    scores: dict[str, float]
    spans: list[list[int]] | None = None
    model_version: str = ""
    explanation: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        out: dict = {"label": self.label, "scores": self.scores}
        if self.spans is not None:
            out["spans"] = self.spans
        return out


def span_gate_label(model: TaskModel) -> str | None:
    """The label under which no spans are looked for (``clean`` for toxicity)."""
    return model.manifest.get("training", {}).get("span_gate_label")


def predict_batch(
    model: TaskModel, texts: list[str], *, explain: bool = False, top: int = 8,
    shared: dict[Any, Any] | None = None,
) -> list[Prediction]:
    """Predictions for ``texts``. ``shared``, when given, keeps raw feature counts by
    featurizer config, so several tasks over the same texts count them once."""
    if not texts:
        return []
    clf = model.classifier
    if shared is None:
        proba = clf.predict_proba(texts)
    else:
        key = clf.featurizer.config
        counts = shared.get(key)
        if counts is None:
            counts = shared[key] = clf.featurizer.counts(texts)
        proba = clf.proba_from_features(clf.featurizer.transform_counts(counts))
    labels = clf.decide(proba)
    gate = span_gate_label(model)
    out: list[Prediction] = []
    for i, text in enumerate(texts):
        label = labels[i]
        scores = {lab: round(float(p), 4) for lab, p in zip(clf.labels, proba[i], strict=True)}
        spans = None
        if model.span_tagger is not None:
            # Spans are only looked for when the comment is classified as not clean: this
            # is faster and keeps clean comments free of stray highlights (ViHOS counts an
            # empty prediction on a clean comment as a perfect score).
            spans = model.span_tagger.spans(text) if label != gate and text.strip() else []
        explanation: list[dict] = []
        if explain and text.strip():
            target = label[0] if isinstance(label, list) else label
            explanation = clf.explain(text, target, top=top)
        out.append(Prediction(label, scores, spans, model.version, explanation))
    return out


def uncertainty(model: TaskModel, texts: list[str]) -> np.ndarray:
    """Per-text uncertainty in [0, 1]; higher = the model is less sure (active learning).

    Multi-class: 1 − (margin between the two most probable classes). Multi-label: how close
    the most borderline label is to its threshold.
    """
    if not texts:
        return np.zeros(0)
    clf = model.classifier
    proba = clf.predict_proba(texts)
    if clf.multilabel:
        distance = np.abs(proba - clf.rule) / np.maximum(np.maximum(clf.rule, 1 - clf.rule), 1e-9)
        return 1.0 - distance.min(axis=1)
    top2 = np.sort(proba, axis=1)[:, -2:]
    return 1.0 - (top2[:, 1] - top2[:, 0])


def uncertain_first(model: TaskModel, texts: list[str]) -> list[int]:
    """Indices of ``texts`` ordered most uncertain first (stable for ties)."""
    scores = uncertainty(model, texts)
    return [int(i) for i in np.argsort(-scores, kind="stable")]

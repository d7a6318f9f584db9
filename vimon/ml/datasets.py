"""Loaders for the public development sets in ``../shared/data`` (never copied into the repo).

Used by ``scripts/make_models.py``, the quality gate (``tests/ml/test_quality_gate.py``) and
``bench/bench_classify.py``, so that all three see exactly the same splits.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from vimon.ml import data as ml_data

SENTIMENT = {"Tích cực": "positive", "Trung tính": "neutral", "Tiêu cực": "negative"}
DANES_DEV_BUCKETS = 5  # 1 in 5 DANeS rows (by SHA-256 of the URL) is the dev split


def shared_data_dir() -> Path:
    """``$VIMON_SHARED_DATA``, else ``<repo root>/../shared/data``."""
    env = os.environ.get("VIMON_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


def load_vihos(split: str, root: Path | None = None) -> tuple[list[str], list[list[int]]]:
    """ViHOS ``train``/``dev``: texts and offensive character offsets."""
    path = (root or shared_data_dir()) / "vihos" / f"{split}.csv"
    return ml_data.read_spans(path, "content", "index_spans")


def toxicity_labels(offsets: list[list[int]]) -> list[str]:
    return ["offensive" if marked else "clean" for marked in offsets]


def _danes_rows(root: Path | None = None) -> list[dict]:
    path = (root or shared_data_dir()) / "danes" / "annotated.jsonl"
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def danes_text(row: dict) -> str:
    title = (row.get("title") or "").strip()
    desc = (row.get("description") or "").strip()
    return f"{title}. {desc}" if desc else title


def is_danes_dev(row: dict) -> bool:
    key = (row.get("url") or row.get("title") or "").encode("utf-8")
    return int(hashlib.sha256(key).hexdigest(), 16) % DANES_DEV_BUCKETS == 0


def load_danes_sentiment(split: str, root: Path | None = None) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for row in _danes_rows(root):
        label = SENTIMENT.get(row["sentiment"]) if isinstance(row.get("sentiment"), str) else None
        if label is None or is_danes_dev(row) != (split == "dev"):
            continue
        texts.append(danes_text(row))
        labels.append(label)
    return texts, labels


def topic_map() -> dict:
    return json.loads(Path(__file__).with_name("topic_map.json").read_text(encoding="utf-8"))


def map_topics(topics: list[str], mapping: dict[str, list[str]]) -> list[str]:
    out: list[str] = []
    for topic in topics:
        for label in mapping.get(topic, []):
            if label not in out:
                out.append(label)
    return out


def load_danes_topics(split: str, root: Path | None = None) -> tuple[list[str], list[list[str]]]:
    """DANeS texts with their topics mapped to the city taxonomy (rows left empty dropped)."""
    mapping = topic_map()["map"]
    texts, labels = [], []
    for row in _danes_rows(root):
        if is_danes_dev(row) != (split == "dev"):
            continue
        mapped = map_topics(row.get("topics") or [], mapping)
        if mapped:
            texts.append(danes_text(row))
            labels.append(mapped)
    return texts, labels

"""Build the default models shipped in ``vimon/ml/models/`` (``make models``).

Reads ``../shared/data`` (or ``$VIMON_SHARED_DATA``), trains with fixed seeds, measures each
model on its dev split, and writes the model folders with their metrics in the manifest:

* ``toxicity``: ViHOS train → clean/offensive + offensive spans (CRF); dev: ViHOS dev;
* ``sentiment``: DANeS (title + description) → negative/neutral/positive;
* ``topic``: DANeS topics mapped to the city taxonomy (``vimon/ml/topic_map.json``);
  DANeS dev = 1 row in 5 by SHA-256 of the URL.

Usage: ``python scripts/make_models.py [--only toxicity,sentiment,topic]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vimon.ml import datasets, spans, textprep  # noqa: E402
from vimon.ml.data import fingerprint  # noqa: E402
from vimon.ml.linear import TrainConfig  # noqa: E402
from vimon.ml.registry import BUILTIN_DIR, Registry  # noqa: E402
from vimon.ml.service import fit_task, score_model  # noqa: E402
from vimon.ml.storage import SPANS_FILE, TaskModel, load_model  # noqa: E402

VERSION = "builtin-1"
SOURCES = {
    "toxicity": "ViHOS (github.com/phusroyal/ViHOS, MIT): train split",
    "sentiment": "DANeS (github.com/dataset-vn/DANeS, CC BY 4.0, DANeS, DATASET JSC & AIV Group)",
    "topic": "DANeS (github.com/dataset-vn/DANeS, CC BY 4.0, DANeS, DATASET JSC & AIV Group)",
}


def _build(task: str, texts, labels, dev_texts, dev_labels, *, multilabel=False,
           offsets=None, dev_offsets=None) -> dict:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        span_path = Path(tmp) / SPANS_FILE if offsets is not None else None
        classifier, info = fit_task(
            texts, labels, multilabel=multilabel, char_offsets=offsets,
            config=TrainConfig(seed=13), span_path=span_path,
        )
        info["seconds"] = round(time.perf_counter() - started, 1)
        info["source"] = SOURCES[task]
        probe = TaskModel(task, VERSION, classifier, {"training": info})
        if span_path is not None:
            probe.span_tagger = spans.SpanTagger(span_path)
        dev = score_model(probe, dev_texts, dev_labels, dev_offsets)
        folded = score_model(probe, [textprep.fold(t) for t in dev_texts], dev_labels)
        dev["folded_macro_f1"] = folded["macro_f1"]
        if multilabel:
            dev["folded_micro_f1"] = folded["micro_f1"]
        Registry(ROOT / "vimon" / "ml" / "models").register(
            task, classifier,
            metrics={"dev": dev},
            data_fingerprint=fingerprint(texts, labels),
            training=info,
            span_model=span_path,
            version=VERSION,
            folder=BUILTIN_DIR / task,
        )
    load_model(BUILTIN_DIR / task)  # the written folder loads and passes its hash check
    return dev


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="toxicity,sentiment,topic")
    args = parser.parse_args()
    root = datasets.shared_data_dir()
    if not (root / "vihos").is_dir():
        print(f"shared data not found at {root} (set VIMON_SHARED_DATA)", file=sys.stderr)
        return 2
    summary = {}
    for task in args.only.split(","):
        if task == "toxicity":
            texts, offs = datasets.load_vihos("train", root)
            dev_texts, dev_offs = datasets.load_vihos("dev", root)
            dev = _build(task, texts, datasets.toxicity_labels(offs), dev_texts,
                         datasets.toxicity_labels(dev_offs), offsets=offs, dev_offsets=dev_offs)
        elif task == "sentiment":
            texts, labels = datasets.load_danes_sentiment("train", root)
            dev_texts, dev_labels = datasets.load_danes_sentiment("dev", root)
            dev = _build(task, texts, labels, dev_texts, dev_labels)
        elif task == "topic":
            texts, labels = datasets.load_danes_topics("train", root)
            dev_texts, dev_labels = datasets.load_danes_topics("dev", root)
            dev = _build(task, texts, labels, dev_texts, dev_labels, multilabel=True)
        else:
            print(f"unknown task {task}", file=sys.stderr)
            return 2
        keys = ("macro_f1", "micro_f1", "accuracy", "span_f1", "folded_macro_f1", "folded_micro_f1")
        summary[task] = {k: round(dev[k], 4) for k in keys if k in dev}
        print(task, json.dumps(summary[task]), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

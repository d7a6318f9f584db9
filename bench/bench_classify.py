"""Benchmark: toxicity classification throughput on one core, and training time.

* 100,000 short comments (ViHOS train + dev comments resampled with a fixed seed) are
  classified by the shipped ``toxicity`` model (features, calibrated scores, decision rule
  and offensive spans for comments classified offensive), beside a plain reference —
  TF-IDF (word 1–2-grams) + LinearSVC trained on ViHOS train — in the same run.
* Training time of ``vimon train`` on 25,000 comments (resampled the same way), with and
  without the span tagger.

Runs on one core: the BLAS/OpenMP thread counts are set to 1 before NumPy is imported.
Throughput is reported twice: by wall-clock time and by this process's CPU time (the
latter is what one free core would do; it is steadier on a busy shared machine).
Usage: ``python bench/bench_classify.py [--n 100000] [--train-n 25000] [--skip-train]``
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from vimon.ml import datasets  # noqa: E402
from vimon.ml.predict import predict_batch  # noqa: E402
from vimon.ml.registry import BUILTIN_DIR  # noqa: E402
from vimon.ml.service import fit_task  # noqa: E402
from vimon.ml.storage import load_model  # noqa: E402


def _resample(texts: list, n: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    return [rng.randrange(len(texts)) for _ in range(n)]


class _Clock:
    def __enter__(self) -> _Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--train-n", type=int, default=25_000)
    parser.add_argument("--skip-train", action="store_true")
    args = parser.parse_args()
    try:
        train_texts, train_offs = datasets.load_vihos("train")
        dev_texts, dev_offs = datasets.load_vihos("dev")
    except Exception as exc:  # noqa: BLE001 - report and skip, the bench needs shared data
        print(f"SKIP bench_classify: shared data not readable ({exc})")
        return 0
    pool = train_texts + dev_texts
    comments = [pool[i] for i in _resample(pool, args.n, seed=7)]
    results: dict = {"n_comments": len(comments), "cores": 1}

    model = load_model(BUILTIN_DIR / "toxicity")
    predict_batch(model, comments[:2000])  # warm the caches the way a running service is
    n = len(comments)
    with _Clock() as ours:
        for i in range(0, n, 2000):
            predict_batch(model, comments[i : i + 2000])
    results["vimon_toxicity_per_s"] = {"wall": round(n / ours.wall), "cpu": round(n / ours.cpu)}
    with _Clock() as labels_only:
        for i in range(0, n, 2000):
            model.classifier.predict(comments[i : i + 2000])
    results["vimon_labels_only_per_s"] = {
        "wall": round(n / labels_only.wall), "cpu": round(n / labels_only.cpu)
    }

    ref_vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    ref = LinearSVC(C=0.3, class_weight="balanced").fit(
        ref_vec.fit_transform(train_texts), datasets.toxicity_labels(train_offs)
    )
    with _Clock() as reference:
        for i in range(0, n, 2000):
            ref.predict(ref_vec.transform(comments[i : i + 2000]))
    results["reference_tfidf_linearsvc_per_s"] = {
        "wall": round(n / reference.wall), "cpu": round(n / reference.cpu)
    }
    results["ratio_vimon_to_reference"] = round(reference.cpu / ours.cpu, 3)

    if not args.skip_train:
        all_offs = train_offs + dev_offs
        idx = _resample(pool, args.train_n, seed=11)
        texts = [pool[i] for i in idx]
        offs = [all_offs[i] for i in idx]
        labels = datasets.toxicity_labels(offs)
        with _Clock() as clock:
            fit_task(texts, labels, multilabel=False)
        results["train_classifier_25k_s"] = {"wall": round(clock.wall, 1), "cpu": round(clock.cpu, 1)}
        with tempfile.TemporaryDirectory() as tmp, _Clock() as clock:
            fit_task(texts, labels, multilabel=False, char_offsets=offs,
                     span_path=Path(tmp) / "s.crfsuite")
        results["train_with_spans_25k_s"] = {"wall": round(clock.wall, 1), "cpu": round(clock.cpu, 1)}
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

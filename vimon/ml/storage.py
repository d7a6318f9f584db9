"""Model artifacts on disk: NumPy ``.npz`` (no pickle) + a JSON manifest with SHA-256s.

One model version is one folder::

    manifest.json      task, version, labels, metrics, data fingerprint, creation time,
                       size, feature/model config, and the SHA-256 of every artifact
    classifier.npz     featurizer columns + IDF, member weights, calibration, decision rule
    spans.crfsuite     (span tasks) the CRFsuite tagger

Loading checks every artifact's SHA-256 against the manifest before reading it and reads
``.npz`` with ``allow_pickle=False``; a mismatch raises ``ArtifactError``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vimon.ml import spans
from vimon.ml.features import FeatureConfig, Featurizer
from vimon.ml.linear import TextClassifier
from vimon.ml.spans import SpanTagger

log = logging.getLogger(__name__)

FORMAT = "vimon-model/1"
CLASSIFIER_FILE = "classifier.npz"
SPANS_FILE = "spans.crfsuite"
MANIFEST_FILE = "manifest.json"


class ArtifactError(Exception):
    """A model folder is missing, malformed or does not match its manifest."""


@dataclass
class TaskModel:
    """A loaded model version: classifier, optional span tagger and its manifest."""

    task: str
    version: str
    classifier: TextClassifier
    manifest: dict
    span_tagger: SpanTagger | None = None
    path: Path | None = None
    cache: dict = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return self.classifier.labels


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_json_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, sort_keys=False)
        fh.write("\n")
    os.chmod(tmp, 0o644)  # mkstemp creates 0600; manifests and state are not secrets
    os.replace(tmp, path)


def save_classifier(model: TextClassifier, folder: Path) -> dict:
    """Write ``classifier.npz``; returns the model config for the manifest."""
    arrays: dict[str, np.ndarray] = dict(model.featurizer.state())
    for name, w in model.weights.items():
        arrays["w_" + name] = w.astype(np.float16)
        arrays["b_" + name] = np.asarray(model.biases[name], np.float64)
    arrays["calib_coef"] = np.asarray(model.calib_coef, np.float64)
    arrays["calib_bias"] = np.asarray(model.calib_bias, np.float64)
    arrays["rule"] = np.asarray(model.rule, np.float64)
    np.savez_compressed(folder / CLASSIFIER_FILE, **arrays)  # type: ignore[arg-type]
    return {
        "labels": model.labels,
        "multilabel": model.multilabel,
        "members": list(model.weights),
        "features": model.featurizer.config.to_dict(),
    }


def write_manifest(folder: Path, manifest: dict) -> dict:
    artifacts = {}
    size = 0
    for path in sorted(folder.iterdir()):
        if path.name == MANIFEST_FILE or path.name.endswith(".tmp"):
            continue
        artifacts[path.name] = sha256_file(path)
        size += path.stat().st_size
    manifest = {"format": FORMAT, **manifest, "artifacts": artifacts, "size_bytes": size}
    write_json_atomic(folder / MANIFEST_FILE, manifest)
    return manifest


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST_FILE
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ArtifactError(f"no manifest in {folder}") from exc
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"manifest {path} is not valid JSON: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise ArtifactError(f"{path}: unknown model format {manifest.get('format')!r}")
    return manifest


def verify(folder: Path, manifest: dict) -> None:
    for name, expected in manifest.get("artifacts", {}).items():
        path = Path(folder) / name
        if Path(name).name != name:
            raise ArtifactError(f"artifact name {name!r} is not a plain file name")
        if not path.is_file():
            raise ArtifactError(f"artifact {name} listed in the manifest is missing in {folder}")
        actual = sha256_file(path)
        if actual != expected:
            raise ArtifactError(
                f"artifact {path} has SHA-256 {actual[:12]}…, the manifest records "
                f"{expected[:12]}…: the file was changed after training; refusing to load it"
            )


def load_model(folder: Path) -> TaskModel:
    folder = Path(folder)
    manifest = read_manifest(folder)
    verify(folder, manifest)
    cfg = manifest["model"]
    with np.load(folder / CLASSIFIER_FILE, allow_pickle=False) as data:
        featurizer = Featurizer(FeatureConfig.from_dict(cfg["features"]))
        featurizer.load_state(data["columns"], data["idf"])
        weights = {m: data["w_" + m].astype(np.float32) for m in cfg["members"]}
        biases = {m: data["b_" + m] for m in cfg["members"]}
        classifier = TextClassifier(
            cfg["labels"],
            bool(cfg["multilabel"]),
            featurizer,
            weights,
            biases,
            data["calib_coef"],
            data["calib_bias"],
            data["rule"],
        )
    tagger = None
    if (folder / SPANS_FILE).is_file():
        if spans.pycrfsuite is None:  # labels still work; spans need python-crfsuite
            log.warning("python-crfsuite is not installed: %s loads without spans", folder)
        else:
            tagger = SpanTagger(folder / SPANS_FILE)
    return TaskModel(
        task=manifest["task"],
        version=manifest["version"],
        classifier=classifier,
        manifest=manifest,
        span_tagger=tagger,
        path=folder,
    )

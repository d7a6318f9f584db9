"""Model registry: versions per task, one active version, rollback.

Layout under ``<VIMON_HOME>/models``::

    registry.json              {"tasks": {task: {"active": "v3", "history": ["v1", "v3"]}}}
    <task>/<version>/          one folder per version (see ``storage.py``)

Versions are ``v1``, ``v2``, … per task. ``history`` lists activations in order; rollback
drops the current one and re-activates the one before it, or, when none is left, goes back
to the default model shipped in the package (``vimon/ml/models/<task>/``, version
``builtin-N``). A version folder is written under a temporary name and renamed into place,
and ``registry.json`` is replaced atomically, so a crash never leaves a half-written active
model.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from vimon.ml import storage
from vimon.ml.linear import TextClassifier

BUILTIN_DIR = Path(__file__).with_name("models")
_TASK_RE = re.compile(r"^[a-z][a-z0-9_\-]{0,63}$")
_VERSION_RE = re.compile(r"^v(\d+)$")


class RegistryError(Exception):
    """Unknown task or version, or an invalid request (message says which)."""


def check_task_name(task: str) -> str:
    if not _TASK_RE.match(task or ""):
        raise RegistryError(
            f"invalid task name {task!r}: use lowercase letters, digits, '_' or '-' "
            "(starting with a letter)"
        )
    return task


class Registry:
    def __init__(self, root: Path, builtin_dir: Path | None = BUILTIN_DIR) -> None:
        self.root = Path(root)
        self.builtin_dir = builtin_dir

    # -- state --------------------------------------------------------------------------
    @property
    def _state_path(self) -> Path:
        return self.root / "registry.json"

    def _state(self) -> dict:
        try:
            state = json.loads(self._state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"tasks": {}}
        except json.JSONDecodeError as exc:
            raise RegistryError(f"{self._state_path} is not valid JSON: {exc}") from exc
        state.setdefault("tasks", {})
        return state

    def _save_state(self, state: dict) -> None:
        storage.write_json_atomic(self._state_path, state)

    # -- queries ------------------------------------------------------------------------
    def builtin_folder(self, task: str) -> Path | None:
        if self.builtin_dir is None:
            return None
        folder = self.builtin_dir / task
        return folder if (folder / storage.MANIFEST_FILE).is_file() else None

    def tasks(self) -> list[str]:
        names = set(self._state()["tasks"])
        if self.root.is_dir():
            names |= {p.name for p in self.root.iterdir() if p.is_dir() and _TASK_RE.match(p.name)}
        if self.builtin_dir is not None and self.builtin_dir.is_dir():
            names |= {p.parent.name for p in self.builtin_dir.glob("*/manifest.json")}
        return sorted(names)

    def active_version(self, task: str) -> str | None:
        """The active home version, else the builtin version, else None."""
        entry = self._state()["tasks"].get(task, {})
        if entry.get("active"):
            return entry["active"]
        builtin = self.builtin_folder(task)
        if builtin is not None:
            return storage.read_manifest(builtin)["version"]
        return None

    def list_versions(self, task: str) -> list[dict]:
        """Every version of ``task`` (oldest first), with manifest summary and active flag."""
        check_task_name(task)
        active = self.active_version(task)
        out = []
        folders = []
        builtin = self.builtin_folder(task)
        if builtin is not None:
            folders.append(builtin)
        task_dir = self.root / task
        if task_dir.is_dir():
            versioned = [p for p in task_dir.iterdir() if _VERSION_RE.match(p.name)]
            folders += sorted(versioned, key=lambda p: int(p.name[1:]))
        for folder in folders:
            try:
                manifest = storage.read_manifest(folder)
            except storage.ArtifactError as exc:
                out.append({"version": folder.name, "error": str(exc), "active": False})
                continue
            out.append(
                {
                    "version": manifest["version"],
                    "task": manifest["task"],
                    "labels": manifest["model"]["labels"],
                    "created_at": manifest.get("created_at"),
                    "size_bytes": manifest.get("size_bytes"),
                    "data_fingerprint": manifest.get("data_fingerprint"),
                    "metrics": manifest.get("metrics", {}),
                    "builtin": folder == builtin,
                    "active": manifest["version"] == active,
                }
            )
        return out

    def folder(self, task: str, version: str) -> Path:
        check_task_name(task)
        builtin = self.builtin_folder(task)
        if builtin is not None and storage.read_manifest(builtin)["version"] == version:
            return builtin
        if not _VERSION_RE.match(version or ""):
            raise RegistryError(f"unknown version {version!r} for task {task!r}")
        folder = self.root / task / version
        if not (folder / storage.MANIFEST_FILE).is_file():
            raise RegistryError(f"task {task!r} has no version {version!r}")
        return folder

    def load(self, task: str, version: str | None = None) -> storage.TaskModel:
        version = version or self.active_version(task)
        if version is None:
            raise RegistryError(f"task {task!r} has no trained model")
        return storage.load_model(self.folder(task, version))

    # -- changes ------------------------------------------------------------------------
    def _next_version(self, task: str) -> str:
        task_dir = self.root / task
        numbers = [0]
        if task_dir.is_dir():
            numbers += [int(m.group(1)) for p in task_dir.iterdir() if (m := _VERSION_RE.match(p.name))]
        return f"v{max(numbers) + 1}"

    def register(
        self,
        task: str,
        classifier: TextClassifier,
        *,
        metrics: dict,
        data_fingerprint: str,
        training: dict,
        span_model: Path | None = None,
        activate: bool = True,
        version: str | None = None,
        folder: Path | None = None,
    ) -> str:
        """Store a trained model as a new version (and make it active)."""
        check_task_name(task)
        target_parent = folder.parent if folder is not None else self.root / task
        target_parent.mkdir(parents=True, exist_ok=True)
        version = version or self._next_version(task)
        tmp = Path(tempfile.mkdtemp(dir=target_parent, prefix=".tmp-"))
        tmp.chmod(0o755)
        try:
            model_cfg = storage.save_classifier(classifier, tmp)
            if span_model is not None:
                shutil.copyfile(span_model, tmp / storage.SPANS_FILE)
            storage.write_manifest(
                tmp,
                {
                    "task": task,
                    "version": version,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "data_fingerprint": data_fingerprint,
                    "metrics": metrics,
                    "training": training,
                    "model": {**model_cfg, "spans": span_model is not None},
                },
            )
            target = folder if folder is not None else target_parent / version
            if target.exists():
                shutil.rmtree(target)
            tmp.rename(target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if activate and folder is None:
            self.activate(task, version)
        return version

    def activate(self, task: str, version: str) -> None:
        folder = self.folder(task, version)
        storage.verify(folder, storage.read_manifest(folder))
        state = self._state()
        entry = state["tasks"].setdefault(task, {"active": None, "history": []})
        if folder == self.builtin_folder(task):
            entry["active"] = None
            entry["history"] = []
        else:
            entry["active"] = version
            entry["history"] = [v for v in entry["history"] if v != version] + [version]
        self._save_state(state)

    def rollback(self, task: str) -> str | None:
        """Re-activate the previously active version; returns the now-active version."""
        state = self._state()
        entry = state["tasks"].get(task)
        if not entry or not entry.get("active"):
            raise RegistryError(f"task {task!r} has no trained version to roll back from")
        history = [v for v in entry.get("history", []) if v != entry["active"]]
        entry["history"] = history
        entry["active"] = history[-1] if history else None
        self._save_state(state)
        return self.active_version(task)

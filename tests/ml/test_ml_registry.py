import json

import numpy as np
import pytest

from vimon.ml import storage
from vimon.ml.linear import TrainConfig, fit_classifier
from vimon.ml.registry import Registry, RegistryError

FAST = TrainConfig(c_grid=(3.0,), refit=False)


@pytest.fixture(scope="module")
def classifier(comments):
    model, _ = fit_classifier([t for t, _, _ in comments], [lab for _, lab, _ in comments], config=FAST)
    return model


def _register(reg, classifier, **kw):
    return reg.register("toxicity", classifier, metrics={"holdout": {"macro_f1": 0.9}},
                        data_fingerprint="sha256:x", training={}, **kw)


def test_versions_activation_and_rollback(tmp_path, classifier):
    reg = Registry(tmp_path / "models", builtin_dir=None)
    assert reg.active_version("toxicity") is None
    assert _register(reg, classifier) == "v1"
    assert _register(reg, classifier) == "v2"
    assert reg.active_version("toxicity") == "v2"
    versions = reg.list_versions("toxicity")
    assert [v["version"] for v in versions] == ["v1", "v2"]
    assert [v["active"] for v in versions] == [False, True]
    assert versions[0]["size_bytes"] > 0 and versions[0]["created_at"]
    reg.activate("toxicity", "v1")
    assert reg.active_version("toxicity") == "v1"
    assert reg.rollback("toxicity") == "v2"
    assert reg.rollback("toxicity") is None
    with pytest.raises(RegistryError):
        reg.rollback("toxicity")
    with pytest.raises(RegistryError):
        reg.activate("toxicity", "v9")


def test_builtin_is_the_fallback_and_rollback_target(tmp_path, classifier):
    builtin = tmp_path / "builtin"
    Registry(builtin, builtin_dir=None).register(
        "toxicity", classifier, metrics={}, data_fingerprint="x", training={},
        version="builtin-1", folder=builtin / "toxicity",
    )
    reg = Registry(tmp_path / "home", builtin_dir=builtin)
    assert reg.active_version("toxicity") == "builtin-1"
    _register(reg, classifier)
    assert reg.active_version("toxicity") == "v1"
    assert reg.rollback("toxicity") == "builtin-1"
    assert reg.load("toxicity").version == "builtin-1"


def test_saved_model_predicts_identically(tmp_path, classifier):
    reg = Registry(tmp_path / "models", builtin_dir=None)
    _register(reg, classifier)
    loaded = reg.load("toxicity").classifier
    texts = ["cảm ơn bạn nhiều", "đồ chó ngu", "hom nay troi dep"]
    # weights are stored as float16: probabilities agree to a few decimals, labels exactly
    assert np.allclose(loaded.predict_proba(texts), classifier.predict_proba(texts), atol=1e-2)
    assert loaded.predict(texts)[0] == classifier.predict(texts)[0]


def test_tampered_artifact_is_rejected(tmp_path, classifier):
    reg = Registry(tmp_path / "models", builtin_dir=None)
    _register(reg, classifier)
    path = tmp_path / "models" / "toxicity" / "v1" / storage.CLASSIFIER_FILE
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(storage.ArtifactError, match="SHA-256"):
        reg.load("toxicity")


def test_manifest_pointing_outside_the_folder_is_rejected(tmp_path, classifier):
    reg = Registry(tmp_path / "models", builtin_dir=None)
    _register(reg, classifier)
    folder = tmp_path / "models" / "toxicity" / "v1"
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["artifacts"]["../evil.npz"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(storage.ArtifactError):
        reg.load("toxicity")


def test_invalid_task_names_are_refused(tmp_path, classifier):
    reg = Registry(tmp_path / "models", builtin_dir=None)
    with pytest.raises(RegistryError):
        reg.register("../x", classifier, metrics={}, data_fingerprint="", training={})

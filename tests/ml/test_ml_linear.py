import numpy as np

from tests.ml.conftest import make_comments
from vimon.ml import textprep
from vimon.ml.linear import TrainConfig, fit_classifier

FAST = TrainConfig(c_grid=(3.0,), refit=False)


def test_binary_classifier_learns(comments):
    texts = [t for t, _, _ in comments]
    labels = [lab for _, lab, _ in comments]
    model, info = fit_classifier(texts, labels, config=FAST)
    test = make_comments(200, seed=99)
    pred, proba = model.predict([t for t, _, _ in test])
    acc = np.mean([p == lab for p, (_, lab, _) in zip(pred, test, strict=True)])
    assert acc > 0.95
    assert np.allclose(proba.sum(axis=1), 1.0)
    folded, _ = model.predict([textprep.fold(t) for t, _, _ in test])
    assert np.mean([p == lab for p, (_, lab, _) in zip(folded, test, strict=True)]) > 0.9
    assert info["labels"] == ["clean", "offensive"]


def test_multiclass_with_imbalance_and_ensemble():
    rng = np.random.default_rng(0)
    words = {"a": "tuyệt vời xuất sắc", "b": "bình thường tạm được", "c": "tệ hại kinh khủng"}
    texts, labels = [], []
    for lab, n in (("a", 200), ("b", 60), ("c", 25)):
        for _ in range(n):
            w = words[lab].split()
            texts.append(" ".join(rng.choice(w, 3)) + " sản phẩm")
            labels.append(lab)
    model, _ = fit_classifier(texts, labels, config=TrainConfig(members=("lr", "nb"), refit=False))
    pred, proba = model.predict(["kinh khủng tệ hại", "xuất sắc tuyệt vời", "tạm được"])
    assert pred == ["c", "a", "b"]
    assert proba.shape == (3, 3)


def test_multilabel():
    texts, labels = [], []
    for i in range(240):
        tags = []
        parts = []
        if i % 2 == 0:
            parts.append("giá xăng tăng mạnh thị trường")
            tags.append("kinh tế")
        if i % 3 == 0:
            parts.append("tai nạn giao thông trên cầu")
            tags.append("giao thông")
        if not parts:
            parts.append("trường học khai giảng năm học mới")
            tags.append("giáo dục")
        texts.append(" ".join(parts) + f" số {i % 7}")
        labels.append(tags)
    model, _ = fit_classifier(texts, labels, multilabel=True, config=FAST)
    pred, proba = model.predict(["giá xăng tăng, tai nạn giao thông", "khai giảng năm học"])
    assert set(pred[0]) == {"kinh tế", "giao thông"}
    assert pred[1] == ["giáo dục"]
    assert proba.shape == (2, 3)


def test_explanation_points_at_the_insult(comments):
    texts = [t for t, _, _ in comments]
    labels = [lab for _, lab, _ in comments]
    model, _ = fit_classifier(texts, labels, config=FAST)
    top = model.explain("cảm ơn bạn óc chó", "offensive", top=2)
    assert {d["token"] for d in top} & {"óc", "chó"}
    assert all("start" in d and "weight" in d for d in top)

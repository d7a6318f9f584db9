import json

import pytest
from sklearn.metrics import accuracy_score, f1_score

from tests.ml.conftest import make_comments, write_csv
from vimon.errors import VimonError
from vimon.ml import service


def test_train_with_spans_then_classify_in_order(home, toxicity_csv, tmp_path):
    result = service.train("toxicity", toxicity_csv, "content", "index_spans", spans=True)
    assert result["version"] == "v1"
    assert result["metrics"]["macro_f1"] > 0.9
    assert result["metrics"]["span_f1"] > 0.7
    assert result["training"]["span_gate_label"] == "clean"
    rows = [{"content": t} for t, _, _ in make_comments(30, seed=5)]
    rows[3]["content"] = ""
    inp = write_csv(tmp_path / "in.csv", rows)
    out = tmp_path / "out.jsonl"
    assert service.classify_file("toxicity", inp, "content", out) == 30
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 30
    for row, pred in zip(rows, lines, strict=True):
        assert set(pred) == {"label", "scores", "spans"}
        assert set(pred["scores"]) == {"clean", "offensive"}
        assert abs(sum(pred["scores"].values()) - 1) < 1e-3
        for start, end in pred["spans"]:
            assert 0 <= start < end <= len(row["content"])
        if pred["label"] == "clean":
            assert pred["spans"] == []
    assert lines[3]["spans"] == []


def test_eval_matches_sklearn(home, tmp_path, comments):
    rows = [{"text": t, "label": lab} for t, lab, _ in comments]
    data = write_csv(tmp_path / "train.csv", rows)
    service.train("mytask", data, "text", "label")
    test_rows = [{"text": t, "label": lab} for t, lab, _ in make_comments(80, seed=3)]
    test_rows[0]["text"] = "cảm ơn nhé"  # a short one, whatever it predicts
    test = write_csv(tmp_path / "test.csv", test_rows)
    report = service.evaluate("mytask", test, "text", "label")
    model = service.load_model("mytask")
    pred = [p.label for p in service.classify_texts(model, [r["text"] for r in test_rows])]
    truth = [r["label"] for r in test_rows]
    assert report["accuracy"] == pytest.approx(accuracy_score(truth, pred))
    assert report["macro_f1"] == pytest.approx(f1_score(truth, pred, average="macro"))
    assert report["labels"] == ["clean", "offensive"]
    assert sum(map(sum, report["confusion_matrix"])) == len(test_rows)


def test_multilabel_jsonl(home, tmp_path):
    path = tmp_path / "topics.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(200):
            labels = ["kinh tế"] if i % 2 else ["giáo dục"]
            if i % 5 == 0:
                labels.append("giao thông")
            text = {"kinh tế": "giá vàng tăng", "giáo dục": "học sinh thi cử"}[labels[0]]
            if "giao thông" in labels:
                text += " kẹt xe đường phố"
            fh.write(json.dumps({"title": f"{text} {i}", "topics": labels}, ensure_ascii=False) + "\n")
    result = service.train("topic2", path, "title", "topics")
    assert "micro_f1" in result["metrics"]
    out = tmp_path / "out.jsonl"
    service.classify_file("topic2", path, "title", out)
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert isinstance(first["label"], list) and "spans" not in first


def test_missing_column_names_the_columns(home, tmp_path):
    data = write_csv(tmp_path / "x.csv", [{"noi_dung": "abc", "nhan": "a"}])
    with pytest.raises(VimonError) as info:
        service.train("t", data, "text", "label")
    assert "'text'" in info.value.message and "noi_dung" in info.value.message


def test_registry_functions_and_active_prediction(home, toxicity_csv):
    service.train("toxicity", toxicity_csv, "content", "index_spans", spans=True)
    service.train("toxicity", toxicity_csv, "content", "index_spans", spans=True)
    versions = service.list_versions("toxicity")
    assert [v["version"] for v in versions][-2:] == ["v1", "v2"]
    assert service.rollback("toxicity") == "v1"
    service.activate("toxicity", "v2")
    preds = service.predict_active(["cảm ơn bạn óc chó", "chúc mọi người vui vẻ"])
    tox = preds["toxicity"]
    assert tox[0].label == "offensive" and tox[0].model_version == "v2"
    assert tox[0].spans and tox[0].explanation
    assert tox[1].spans == []
    assert {"sentiment", "topic"} <= set(preds)  # shipped models answer too
    order = service.uncertain_first_order("toxicity", ["cảm ơn", "óc chó", "bạn ơi"])
    assert sorted(order) == [0, 1, 2]


def test_unknown_version_is_a_clear_error(home):
    with pytest.raises(VimonError, match="no version"):
        service.load_model("sentiment", "v7")


def test_cli_commands(home, toxicity_csv, tmp_path):
    from typer.testing import CliRunner

    from vimon.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["train", "--task", "tox2", "--data", str(toxicity_csv),
                              "--text-col", "content", "--label-col", "label"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "o.jsonl"
    res = runner.invoke(app, ["classify", "--task", "tox2", "--input", str(toxicity_csv),
                              "--text-col", "content", "--output", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["eval", "--task", "tox2", "--data", str(toxicity_csv),
                              "--text-col", "content", "--label-col", "label", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output.strip().splitlines()[-1])["macro_f1"] > 0.9
    res = runner.invoke(app, ["models", "list", "--task", "tox2"])
    assert res.exit_code == 0 and "v1" in res.output


def test_tasks_sharing_a_feature_config_count_once_and_predict_the_same():
    """predict_active counts raw features once for all tasks with the same config; the
    scores must equal each task predicting alone (the shipped models share one config)."""
    from unittest import mock

    from vimon.ml.features import Featurizer
    from vimon.ml.predict import predict_batch

    texts = ["Giá điện tăng mạnh khiến người dân bức xúc",
             "Đội tuyển bóng đá Việt Nam thắng trận chung kết",
             "Trường học ở Cầu Giấy tuyển sinh lớp 10 năm nay"] * 3
    calls = []
    real = Featurizer.counts

    def counting(self, t):  # type: ignore[no-untyped-def]
        calls.append(len(t))
        return real(self, t)

    with mock.patch.object(Featurizer, "counts", counting):
        together = service.predict_active(texts, explain=False)
    assert len(together) >= 2 and len(calls) == 1  # one count for every task
    for task, preds in together.items():
        alone = predict_batch(service.load_model(task), texts)
        for a, b in zip(preds, alone, strict=True):
            assert a.label == b.label and a.scores == b.scores

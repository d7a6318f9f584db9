"""Fixtures for the ML tests: an isolated VIMON_HOME and a small synthetic corpus."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from vimon.ml import service
from vimon.settings import reset_settings

CLEAN = [
    "hôm nay trời đẹp quá", "cảm ơn bạn đã chia sẻ", "món này ngon lắm nha", "chúc mọi người vui vẻ",
    "bài viết rất hay và bổ ích", "mình cũng nghĩ vậy", "đi chơi cuối tuần thôi", "xem xong thấy vui ghê",
    "ủng hộ shop nhiều nha", "nhạc hay quá trời", "cho mình hỏi giá bao nhiêu", "đẹp quá đi mất",
]
OFFENSIVE = ["ngu", "đồ chó", "vãi lồn", "óc chó", "súc vật", "đm", "thằng điên", "con mẹ mày"]
FILLER = ["thật sự", "luôn", "quá", "nhỉ", "á", "đó", "nha", "đi"]


def make_comments(n: int, seed: int = 0) -> list[tuple[str, str, list[int]]]:
    """(text, label, offensive char offsets): offensive comments embed one insult."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        base = rng.choice(CLEAN) + " " + rng.choice(FILLER)
        if rng.random() < 0.5:
            insult = rng.choice(OFFENSIVE)
            prefix = base + " "
            text = prefix + insult + " " + rng.choice(FILLER)
            rows.append((text, "offensive", list(range(len(prefix), len(prefix) + len(insult)))))
        else:
            rows.append((base, "clean", []))
    return rows


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VIMON_HOME", str(tmp_path / "home"))
    reset_settings()
    service._cache.clear()
    yield tmp_path / "home"
    reset_settings()
    service._cache.clear()


@pytest.fixture(scope="session")
def comments() -> list[tuple[str, str, list[int]]]:
    return make_comments(400)


def write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture()
def toxicity_csv(tmp_path: Path, comments) -> Path:
    rows = [{"content": t, "index_spans": json.dumps(o), "label": lab} for t, lab, o in comments]
    return write_csv(tmp_path / "tox.csv", rows)

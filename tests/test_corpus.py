"""Accuracy over ../shared/corpus/sisimai against its labels (targets from issue 2)."""

from __future__ import annotations

import pytest

from tests.conftest import require
from tests.corpus_eval import CORPUS, evaluate


def test_corpus_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    require(f"the shared corpus at {CORPUS}", (CORPUS / "labels.jsonl").exists())
    score = evaluate()
    with capsys.disabled():
        print("\n" + score.summary())
        for (want, got), n in score.confusions.most_common(15):
            print(f"  confusion: {n:3d} x want {want} got {got}")
    assert score.rate(score.detected, score.messages) >= 0.98, score.misses[:20]
    assert score.rate(score.status_ok, score.records) >= 0.95, score.wrong[:20]
    assert score.rate(score.reason_ok, score.records) >= 0.95, score.wrong[:20]

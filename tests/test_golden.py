"""Golden tests: every tests/samples/**/<name>.eml has <name>.json beside it, the expected analysis.

Run `pytest tests/test_golden.py --update-golden` to regenerate the JSON after a deliberate change,
then review the diff field by field before committing it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer import analyze
from analyzer.serialize import to_dict

SAMPLES = Path(__file__).parent / "samples"
EMLS = sorted(SAMPLES.rglob("*.eml"))


@pytest.mark.parametrize("eml", EMLS, ids=[str(p.relative_to(SAMPLES)) for p in EMLS])
def test_golden(eml: Path, update_golden: bool) -> None:
    expected_path = eml.with_suffix(".json")
    got = to_dict(analyze(eml.read_bytes()), source=str(eml.relative_to(SAMPLES)))
    if update_golden or not expected_path.exists():
        expected_path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if not update_golden:
            pytest.fail(f"{expected_path.name} was missing: written now, review it")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert got == expected


def test_every_detector_has_a_sample() -> None:
    from analyzer.detectors import DETECTORS

    folders = {p.parent.name for p in EMLS}
    missing = [d.name for d in DETECTORS if d.name not in folders]
    assert not missing, f"detectors without golden samples in tests/samples/<name>/: {missing}"

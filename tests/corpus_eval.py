"""Accuracy of the analyzer against ../shared/corpus/sisimai/labels.jsonl.

Used by tests/test_corpus.py (which asserts the targets) and runnable on its own:
    python -m tests.corpus_eval [--confusions]
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from analyzer import Kind, analyze

CORPUS = Path(os.environ.get("NDR_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sisimai"))


@dataclass
class Score:
    messages: int = 0
    detected: int = 0
    records: int = 0
    status_ok: int = 0
    replycode_ok: int = 0
    replycode_n: int = 0
    reason_ok: int = 0
    hard_ok: int = 0
    misses: list[str] = field(default_factory=list)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)

    def rate(self, ok: int, n: int) -> float:
        return ok / n if n else 0.0

    def summary(self) -> str:
        return (
            f"messages {self.messages}: detection {self.rate(self.detected, self.messages):.4f}; "
            f"records {self.records}: status {self.rate(self.status_ok, self.records):.4f}, "
            f"replycode {self.rate(self.replycode_ok, self.replycode_n):.4f}, "
            f"reason {self.rate(self.reason_ok, self.records):.4f}, hard {self.rate(self.hard_ok, self.records):.4f}"
        )


def load_labels() -> dict[str, list[dict[str, object]]]:
    labels: dict[str, list[dict[str, object]]] = {}
    with open(CORPUS / "labels.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            labels.setdefault(str(rec["file"]), []).append(rec)
    for recs in labels.values():
        recs.sort(key=lambda r: int(str(r["n"])))
    return labels


def evaluate() -> Score:
    score = Score()
    for file, recs in sorted(load_labels().items()):
        data = (CORPUS / file).read_bytes()
        a = analyze(data)
        score.messages += 1
        name = Path(file).name
        if a.kind in (Kind.NOT_BOUNCE, Kind.ERROR) or not a.recipients:
            score.misses.append(f"{name}: kind={a.kind} recipients={len(a.recipients)}")
        else:
            score.detected += 1
        by_addr = {(r.recipient or "").lower(): r for r in a.recipients}
        for rec in recs:
            score.records += 1
            want_rcpt = str(rec.get("recipient") or "").lower()
            got = by_addr.get(want_rcpt) if want_rcpt else None
            n = int(str(rec["n"]))
            if got is None and n < len(a.recipients):
                got = a.recipients[n]
            want_status = str(rec["status"])
            want_reason = str(rec["reason"])
            want_code = str(rec["replycode"])
            if got is None:
                score.confusions[(want_reason, "<none>")] += 1
                score.wrong.append(f"{name}#{n}: no recipient (want {want_reason} {want_status})")
                continue
            got_status = got.status or ""
            if rec.get("pseudo_status") or not want_status:
                status_ok = (got_status[:1] == want_status[:1]) if want_status else True
            else:
                status_ok = got_status == want_status
            score.status_ok += status_ok
            if want_code:
                score.replycode_n += 1
                score.replycode_ok += (got.replycode or "") == want_code
            reason_ok = got.reason.value == want_reason
            score.reason_ok += reason_ok
            score.hard_ok += bool(got.hard) == bool(rec["hardbounce"])
            if not reason_ok:
                score.confusions[(want_reason, got.reason.value)] += 1
            if not (reason_ok and status_ok):
                score.wrong.append(
                    f"{name}#{n}: want {want_reason} {want_status} got {got.reason.value} {got_status} "
                    f"rule={got.rule} reporter={a.reporter} diag={(got.diagnostic or '')[:100]!r}"
                )
    return score


def main() -> None:
    score = evaluate()
    print(score.summary())
    if "--confusions" in sys.argv:
        for (want, got), n in score.confusions.most_common():
            print(f"  {n:3d} want {want:15s} got {got}")
        for line in score.misses:
            print("  MISS", line)
        for line in score.wrong:
            print("  WRONG", line)


if __name__ == "__main__":
    main()

"""Raw bytes -> everything the store writes for a new message (pure: can run in a worker process).

`prepare` analyses; `prepare_failed` is what the scan stores when the analysis raised, so that the
message is kept (kind = error, the exception as a defect) and the cursor can move past it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

from analyzer import Options, analyze, limits
from analyzer.model import Analysis, Kind
from analyzer.serialize import to_dict
from ndr.store import retain
from ndr.store.envelope import NONE, Envelope, envelope_of

_TRUNCATED = f"message longer than {limits.MAX_MESSAGE_BYTES} bytes: analysed the first part only"


@dataclass(frozen=True, slots=True, kw_only=True)
class Prepared:
    """A message ready to be stored."""

    digest: str  # sha256 of the raw bytes, hex
    size: int  # length of the raw bytes
    analysis: Analysis
    analysis_packed: bytes  # zlib-compressed analyzer.serialize JSON, without "source"
    kept: bytes  # zlib-compressed bytes kept for re-analysis (ndr.store.retain)
    kept_size: int  # length of the kept bytes before compression
    failure: str | None = None  # why analysis raised, when it did
    envelope: Envelope = NONE  # envelope sender and From domain of the returned original


def digest_of(data: bytes) -> str:
    """The content digest that identifies a message in the store."""
    return hashlib.sha256(data).hexdigest()


def prepare(data: bytes, options: Options, *, digest: str | None = None) -> Prepared:
    """Analyse and pack one message. May raise only if the analyzer does (a bug): see prepare_failed."""
    analysis = analyze(data, options)
    kept = retain.kept_bytes(data)
    if len(kept) != min(len(data), limits.MAX_MESSAGE_BYTES) and not _same(analyze(kept, options), analysis):
        kept = data[: limits.MAX_MESSAGE_BYTES]  # trimming changed the verdict: keep everything
    return Prepared(digest=digest or digest_of(data), size=len(data), analysis=analysis,
                    analysis_packed=pack_analysis(analysis), kept=retain.compress(kept), kept_size=len(kept),
                    envelope=envelope_of(analysis, data))


def prepare_failed(data: bytes, error: BaseException, *, digest: str | None = None) -> Prepared:
    """The record of a message whose analysis raised: kind=error, the exception as a defect."""
    failure = f"analysis failed: {type(error).__name__}: {error}"[:500]
    analysis = Analysis(kind=Kind.ERROR, defects=(failure,))
    kept = data[: limits.MAX_MESSAGE_BYTES]
    return Prepared(digest=digest or digest_of(data), size=len(data), analysis=analysis,
                    analysis_packed=pack_analysis(analysis), kept=retain.compress(kept), kept_size=len(kept),
                    failure=failure)


def reanalyze(kept: bytes, size: int, options: Options) -> Analysis:
    """Analyse kept bytes again. A message that was cut at the analyzer's limit keeps saying so."""
    analysis = analyze(kept, options)
    if size > limits.MAX_MESSAGE_BYTES and _TRUNCATED not in analysis.defects:
        analysis = replace(analysis, defects=(_TRUNCATED, *analysis.defects))
    return analysis


def analysis_json(analysis: Analysis) -> str:
    """The stored JSON of an analysis (no "source": the store knows it)."""
    body = to_dict(analysis)
    del body["source"]
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def pack_analysis(analysis: Analysis) -> bytes:
    """The stored form: analysis_json, UTF-8, zlib-compressed."""
    return retain.compress(analysis_json(analysis).encode("utf-8"))


def unpack_analysis(blob: bytes) -> str:
    """The JSON text back."""
    return retain.decompress(blob).decode("utf-8")


def _same(trimmed: Analysis, full: Analysis) -> bool:
    """Same verdict, ignoring the truncation defect the trimmed bytes no longer have."""
    if trimmed == full:
        return True
    return replace(trimmed, defects=_without_truncation(trimmed)) == replace(full, defects=_without_truncation(full))


def _without_truncation(analysis: Analysis) -> tuple[str, ...]:
    return tuple(d for d in analysis.defects if d != _TRUNCATED)

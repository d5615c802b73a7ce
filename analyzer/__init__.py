"""ndr's analyzer: bytes in, one immutable Analysis out. Pure: no I/O, no clock, no network."""

from analyzer.analyze import DEFAULT_OPTIONS, analyze
from analyzer.model import Analysis, AntiSpam, AuthResult, Hop, Kind, Options, Original, Recipient
from analyzer.reasons import Reason

__all__ = [
    "DEFAULT_OPTIONS",
    "Analysis",
    "AntiSpam",
    "AuthResult",
    "Hop",
    "Kind",
    "Options",
    "Original",
    "Reason",
    "Recipient",
    "analyze",
]

"""analyze(bytes) -> Analysis: the pure entry point of the analyzer (no I/O, no clock, no network)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from email.utils import parsedate_to_datetime

from analyzer import limits
from analyzer.classify import classify, is_hard
from analyzer.detectors import DETECTORS, Detection, Found
from analyzer.headers.antispam import antispam_of
from analyzer.headers.auth import auth_of
from analyzer.headers.received import hops_of
from analyzer.ipaddr import DEFAULT_PREFIX_V4, DEFAULT_PREFIX_V6, normalize_ip, prefix_of
from analyzer.mime import Parsed, parse
from analyzer.model import Analysis, Hop, Kind, Original, Recipient
from analyzer.reasons import Reason
from analyzer.sending_ip import from_diagnostic, from_hops
from analyzer.smtp import clean_diagnostic, find_replycode, find_status, normalize_status
from analyzer.textutil import decode_rfc2047, header_str


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    """Analysis parameters (no hidden globals)."""

    prefix_v4: int = DEFAULT_PREFIX_V4  # IPv4 prefix length of sending_prefix
    prefix_v6: int = DEFAULT_PREFIX_V6  # IPv6 prefix length of sending_prefix


DEFAULT_OPTIONS = Options()


def analyze(data: bytes, options: Options = DEFAULT_OPTIONS) -> Analysis:
    """Analyse one raw message. Never raises on mail: problems become defects."""
    parsed = parse(data)
    detection, detector_defects = _detect(parsed)
    parsed.defects.extend(detector_defects)
    msg = parsed.msg
    hops = hops_of(msg)
    original_msg = detection.original if detection and detection.original is not None else parsed.original
    original = _original(original_msg) if original_msg is not None else None
    recipients = tuple(
        _recipient(f, original, options) for f in (detection.recipients if detection else ())[: limits.MAX_RECIPIENTS]
    )
    kind = _kind(parsed, detection, recipients)
    sending_ip = next((r.sending_ip for r in recipients if r.sending_ip and r.action != "delivered"), None)
    if sending_ip is None and kind is Kind.NOT_BOUNCE:
        sending_ip = from_hops(hops)
    return Analysis(
        kind=kind,
        message_id=parsed.header("Message-ID"),
        date=_iso(parsed.header("Date")),
        subject=parsed.header("Subject"),
        from_=parsed.header("From"),
        to=parsed.header("To"),
        reporter=detection.reporter if detection else None,
        reporting_mta=detection.reporting_mta if detection else None,
        received_from_mta=detection.received_from_mta if detection else None,
        arrival_date=_iso(detection.arrival_date) if detection else None,
        feedback_type=detection.feedback_type if detection else None,
        recipients=recipients,
        original=original,
        hops=hops,
        auth=auth_of(msg),
        antispam=antispam_of(msg),
        sending_ip=sending_ip,
        sending_prefix=prefix_of(sending_ip, options.prefix_v4, options.prefix_v6),
        defects=tuple(dict.fromkeys(parsed.defects)),
    )


def _detect(parsed: Parsed) -> tuple[Detection | None, list[str]]:
    defects: list[str] = []
    for detector in DETECTORS:
        try:
            found = detector.detect(parsed)
        except Exception as exc:  # noqa: BLE001 - one broken detector must not stop the analysis
            defects.append(f"detector {detector.name} failed: {type(exc).__name__}: {exc}"[:300])
            continue
        if found is not None:
            return found, defects
    return None, defects


def _kind(parsed: Parsed, detection: Detection | None, recipients: tuple[Recipient, ...]) -> Kind:
    if detection is not None and detection.kind is not None:
        return detection.kind
    if not recipients:
        if not parsed.msg.keys() and not parsed.plain:
            return Kind.ERROR
        return Kind.NOT_BOUNCE
    if any(r.action == "failed" or (r.action is None and r.reason is not Reason.DELIVERED
                                     and (r.status or "5").startswith("5")) for r in recipients):
        return Kind.BOUNCE
    if any(r.action == "delayed" or (r.status or "").startswith("4") for r in recipients):
        return Kind.DELAY
    if all(r.reason is Reason.DELIVERED for r in recipients):
        return Kind.NOT_BOUNCE
    return Kind.BOUNCE


def _recipient(found: Found, original: Original | None, options: Options) -> Recipient:
    diagnostic = clean_diagnostic(found.diagnostic)
    status = normalize_status(found.status) or find_status(diagnostic)
    replycode = found.replycode or find_replycode(diagnostic)
    action = (found.action or "").lower() or None
    if action is None and status:
        action = {"2": "delivered", "4": "delayed", "5": "failed"}.get(status[0])
    verdict = classify(
        status=status, replycode=replycode, diagnostic=diagnostic, remote_mta=found.remote_mta, action=action,
        verdict=found.reason, verdict_rule=found.rule, verdict_evidence=found.evidence,
    )
    ip, ip_source = None, None
    if verdict.reason not in (Reason.DELIVERED, Reason.FEEDBACK, Reason.VACATION) or found.sending_ip:
        hint = normalize_ip(found.sending_ip)
        if hint:
            ip, ip_source = hint, "detector"
        else:
            hit = from_diagnostic(diagnostic)
            if hit:
                ip, ip_source = hit
            elif original is not None:
                ip = from_hops(original.hops)
                ip_source = "original.hops" if ip else None
    return Recipient(
        recipient=_address(found.recipient),
        original_recipient=found.original_recipient,
        action=action,
        status=status,
        replycode=replycode,
        reason=verdict.reason,
        hard=is_hard(verdict.reason, status),
        remote_mta=found.remote_mta,
        diagnostic_type=found.diagnostic_type,
        diagnostic=diagnostic,
        last_attempt=_iso(found.last_attempt),
        will_retry_until=_iso(found.will_retry_until),
        sending_ip=ip,
        sending_prefix=prefix_of(ip, options.prefix_v4, options.prefix_v6),
        sending_ip_source=ip_source,
        blocklist=verdict.blocklist,
        provider=verdict.provider,
        rule=verdict.rule,
        evidence=verdict.evidence,
        feedback_type=found.feedback_type,
    )


def _address(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip().strip("<>\"' ").strip()
    if "<" in v and ">" in v:
        v = v[v.rindex("<") + 1 : v.rindex(">")]
    if "@" in v:
        local, _, domain = v.rpartition("@")
        v = f"{local}@{domain.lower()}"
    return v or None


def _iso(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return value


def _original(msg: Message) -> Original:
    def h(name: str) -> str | None:
        raw = msg.get(name)
        return decode_rfc2047(header_str(raw))[:2000] or None if raw is not None else None

    hops: tuple[Hop, ...] = hops_of(msg)
    return Original(
        message_id=h("Message-ID"),
        from_=h("From"),
        to=h("To"),
        subject=h("Subject"),
        date=_iso(h("Date")),
        return_path=h("Return-Path"),
        hops=hops,
        auth=auth_of(msg),
        antispam=antispam_of(msg),
    )

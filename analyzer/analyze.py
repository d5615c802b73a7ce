"""analyze(bytes) -> Analysis: the pure entry point of the analyzer (no I/O, no clock, no network)."""

from __future__ import annotations

from analyzer import limits
from analyzer.classify import classify, is_hard
from analyzer.detectors import DETECTORS, Detection, Detector, Found
from analyzer.detectors.gate import Signals, compile_gates
from analyzer.headers.dates import iso_date
from analyzer.headers.facts import read_headers
from analyzer.headers.original import original_of, pasted_headers
from analyzer.ipaddr import prefix_of
from analyzer.mime import Parsed, parse
from analyzer.model import Analysis, Kind, Options, Original, Recipient
from analyzer.reasons import NON_FAILURE_REASONS, Reason
from analyzer.sending_ip import received_sending_ip, recipient_sending_ip
from analyzer.smtp import (
    clean_diagnostic,
    find_command,
    find_replycode,
    find_status,
    normalize_status,
    prefer_status,
    pseudo_status,
)

DEFAULT_OPTIONS = Options()


def analyze(data: bytes, options: Options = DEFAULT_OPTIONS) -> Analysis:
    """Analyse one raw message. Never raises on mail: problems become defects."""
    parsed = parse(data)
    detection, detector_defects = _detect(parsed)
    parsed.defects.extend(detector_defects)
    msg = parsed.msg
    facts = read_headers(msg)
    original_msg = detection.original if detection and detection.original is not None else parsed.original
    if original_msg is None and detection is not None:
        original_msg = pasted_headers(parsed.text)
    original = original_of(original_msg) if original_msg is not None else None
    reporting_mta = detection.reporting_mta if detection else None
    found = detection.recipients if detection else ()
    if len(found) > limits.MAX_RECIPIENTS:
        parsed.defects.append(f"more than {limits.MAX_RECIPIENTS} recipients: the rest were skipped")
    recipients = tuple(_recipient(f, original, options, reporting_mta) for f in found[: limits.MAX_RECIPIENTS])
    kind = _kind(parsed, detection, recipients)
    sending_ip, ip_source = next(((r.sending_ip, r.sending_ip_source) for r in recipients
                                  if r.sending_ip and r.action != "delivered"), (None, None))
    if sending_ip is None and kind is Kind.NOT_BOUNCE:
        sending_ip, ip_source = received_sending_ip(facts.hops, facts.auth, facts.antispam) or (None, None)
    return Analysis(
        kind=kind,
        message_id=parsed.header("Message-ID"),
        date=iso_date(parsed.header("Date")),
        subject=parsed.header("Subject"),
        from_=parsed.header("From"),
        to=parsed.header("To"),
        reporter=detection.reporter if detection else None,
        reporting_mta=detection.reporting_mta if detection else None,
        received_from_mta=detection.received_from_mta if detection else None,
        arrival_date=iso_date(detection.arrival_date) if detection else None,
        feedback_type=detection.feedback_type if detection else None,
        recipients=recipients,
        original=original,
        hops=facts.hops,
        auth=facts.auth,
        antispam=facts.antispam,
        sending_ip=sending_ip,
        sending_prefix=prefix_of(sending_ip, options.prefix_v4, options.prefix_v6),
        sending_ip_source=ip_source,
        defects=tuple(dict.fromkeys([*parsed.defects, *facts.defects])),
    )


# The detectors' gates as one generator of the indexes of those open (analyzer.detectors.gate.compile_gates).
_OPEN_GATES, _ = compile_gates([d.gate for d in DETECTORS])


def _detect(parsed: Parsed) -> tuple[Detection | None, list[str]]:
    """The first detector in DETECTORS order that finds something; detectors whose gate is closed are not called
    (they would return None: analyzer.detectors.gate)."""
    defects: list[str] = []
    signals = Signals(parsed)
    tried = -1
    try:
        for i in _OPEN_GATES(signals):
            tried = i
            found = _run(DETECTORS[i], parsed, defects)
            if found is not None:
                return found, defects
    except Exception:  # noqa: BLE001 - a gate that cannot tell: the rest are tried one by one, unknown = open
        return _detect_rest(parsed, signals, tried + 1, defects)
    return None, defects


def _detect_rest(parsed: Parsed, signals: Signals, start: int,
                 defects: list[str]) -> tuple[Detection | None, list[str]]:
    """_detect from DETECTORS[start] on, each gate tested on its own (after a compiled gate raised)."""
    for detector in DETECTORS[start:]:
        try:
            closed = not signals.opens(detector.gate)
        except Exception:  # noqa: BLE001 - a gate that cannot tell is open: the detector decides
            closed = False
        if not closed:
            found = _run(detector, parsed, defects)
            if found is not None:
                return found, defects
    return None, defects


def _run(detector: Detector, parsed: Parsed, defects: list[str]) -> Detection | None:
    try:
        return detector.detect(parsed)
    except Exception as exc:  # noqa: BLE001 - one broken detector must not stop the analysis
        defects.append(f"detector {detector.name} failed: {type(exc).__name__}: {exc}"[:300])
        return None


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


def _recipient(found: Found, original: Original | None, options: Options, reporting_mta: str | None) -> Recipient:
    diagnostic = clean_diagnostic(found.diagnostic)
    exit_code = (found.diagnostic_type or "").lower().startswith("x-unix") and (diagnostic or "").isdigit()
    replycode = found.replycode or (None if exit_code else find_replycode(diagnostic))
    status = prefer_status(normalize_status(found.status), find_status(diagnostic), replycode)
    action = (found.action or "").lower() or None
    if action is None and status:
        action = {"2": "delivered", "4": "delayed", "5": "failed"}.get(status[0])
    command = found.command or find_command(diagnostic)
    recipient = _address(found.recipient)
    verdict = classify(
        status=status, replycode=replycode, diagnostic=diagnostic, remote_mta=found.remote_mta, action=action,
        verdict=found.reason, verdict_rule=found.rule, verdict_evidence=found.evidence,
        command=command, diagnostic_type=found.diagnostic_type, recipient=recipient,
    )
    if status is None and verdict.reason not in NON_FAILURE_REASONS:
        status = pseudo_status(replycode, action)  # the class only: the report gave no status code
    if action is None and status:
        action = {"2": "delivered", "4": "delayed", "5": "failed"}.get(status[0])
    ip, ip_source = None, None
    if verdict.reason not in (Reason.DELIVERED, Reason.FEEDBACK, Reason.VACATION) or found.sending_ip:
        ip, ip_source = recipient_sending_ip(hint=found.sending_ip, diagnostic=diagnostic, remote_mta=found.remote_mta,
                                             reporting_mta=reporting_mta, original=original)
    return Recipient(
        recipient=recipient,
        original_recipient=found.original_recipient,
        action=action,
        status=status,
        replycode=replycode,
        reason=verdict.reason,
        hard=is_hard(verdict.reason, status),
        remote_mta=found.remote_mta,
        diagnostic_type=found.diagnostic_type,
        diagnostic=diagnostic,
        last_attempt=iso_date(found.last_attempt),
        will_retry_until=iso_date(found.will_retry_until),
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
    """'Name <local@Example.COM>' / '<local@example.com>' / 'local@example.com' -> 'local@example.com'."""
    if not value:
        return None
    v = value.strip()
    if "<" in v:
        v = v[v.rindex("<") + 1:].split(">", 1)[0]
    v = v.strip().strip("\"' ").strip()
    if "@" in v:
        local, _, domain = v.rpartition("@")
        v = f"{local}@{domain.lower()}"
    return v or None

"""The human report of `ndr check` (and of `ndr triage --dns`): one block per target, verdict first,
then the evidence, then what to do."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

from ndr.check.model import DkimKeyCheck, DmarcCheck, DomainCheck, Finding, IpCheck, Outcome, SpfCheck, TargetReport

Style = Callable[..., str]
WIDTH = 100

_MARK = {Outcome.PROBLEM: ("problem", "red"), Outcome.WARNING: ("warning", "yellow"),
         Outcome.UNKNOWN: ("could not check", "magenta"), Outcome.SKIPPED: ("skipped", "blue")}


def _plain(text: str, **_: object) -> str:
    return text


def render(report: TargetReport, *, style: Style = _plain, heading: bool = True) -> str:
    out: list[str] = []
    if heading:
        color = "green" if report.verdict == "all checks passed" else "red" if not report.complete else None
        kind = {"ip": "IP address", "error": "not checked"}.get(report.kind, report.kind)
        head = f"{report.target} ({kind}): "
        out.append(style(head, bold=True) + (style(report.verdict, fg=color, bold=True) if color else report.verdict))
    if report.error:
        return "\n".join(out)
    if report.notes:
        out.append(style("  Read from the message", bold=True))
        out.extend(f"    {n}" for n in report.notes)
    inner = report.kind == "message"  # an IP or domain target needs no second heading
    for ip in report.ips:
        out.extend(_ip(ip, style, inner))
    for d in report.domains:
        out.extend(_domain(d, style, inner))
    out.extend(_todo(report.all_findings(), style))
    return "\n".join(out)


def _ip(c: IpCheck, style: Style, heading: bool) -> list[str]:
    out: list[str] = []
    if heading or c.network:
        out.append(style(f"  {c.ip}", bold=True) + f" (IPv{c.version})" + (f" — {c.network}" if c.network else ""))
    if c.ptr is not None:
        p = c.ptr
        if not p.answer.definite:
            out.append(f"    reverse DNS   {p.answer.describe()}")
        elif not p.names:
            out.append(f"    reverse DNS   no PTR ({p.answer.describe()})")
        else:
            for f in p.forward:
                mark = "resolves back" if f.confirms else "does NOT resolve back"
                out.append(f"    reverse DNS   PTR {f.name}: {mark} ({f.answer.describe()})")
            for name, why in p.generic:
                out.append(f"                  {name} looks generic: {why}")
    for r in c.lists:
        line = f"{r.name} ({r.zone}): {r.status.replace('_', ' ')}"
        if r.codes:
            line += f" [{', '.join(r.codes)}]"
        if r.meanings and r.status != "not_applicable":
            line += " — " + "; ".join(r.meanings)
        out.append(f"    block list    {line}")
        if r.reason:
            out.append(f"                  the list says: {r.reason}")
    out.extend(_spf_line(s) for s in c.spf)
    return out


def _domain(d: DomainCheck, style: Style, heading: bool) -> list[str]:
    out = [style(f"  {d.domain}", bold=True) + f" ({d.role})"] if heading else []
    if d.spf:
        first = d.spf[0]
        record = f'"{first.record}"' if first.record else "no SPF record"
        if first.record is None and first.result in ("temperror", "skipped"):
            record = "record not known (the lookup failed)" if first.result == "temperror" else "not looked up"
        out.append(f"    SPF           {record}")
        out.extend(_spf_line(s) for s in d.spf)
    if d.dmarc is not None:
        out.extend(_dmarc(d.dmarc))
    out.extend(_dkim(k) for k in d.dkim)
    return out


def _spf_line(s: SpfCheck) -> str:
    who = f"for {s.ip}" if s.ip else "record check"
    detail = f" by '{s.mechanism}'" if s.mechanism else ""
    if s.explanation and s.result in ("permerror", "temperror"):
        detail = f": {s.explanation}"
    lookups = f" ({s.lookups} DNS lookup{'s' if s.lookups != 1 else ''} of 10)" if s.lookups is not None else ""
    return f"    SPF {s.domain} {who}: {s.result}{detail}{lookups}"


def _dmarc(d: DmarcCheck) -> list[str]:
    if d.status == "ok":
        where = f"_dmarc.{d.record_domain}" + (" (organizational domain)" if d.record_domain != d.domain else "")
        tags = f"p={d.policy} sp={d.subdomain_policy} pct={d.pct} adkim={d.adkim} aspf={d.aspf}"
        rua = f" rua={','.join(d.rua)}" if d.rua else " (no rua: nobody receives aggregate reports)"
        out = [f"    DMARC         {where}: {tags}{rua}; applies {d.effective_policy} to {d.domain}"]
    elif d.status == "none":
        out = [f"    DMARC         no record for {d.domain}"]
    else:
        out = [f"    DMARC         {d.status}: {d.problem or ''}".rstrip()]
    if d.spf_alignment:
        out.append(f"    alignment     SPF: {_yes(d.spf_aligned)} — {d.spf_alignment}")
    if d.dkim_alignment:
        out.append(f"    alignment     DKIM: {_yes(d.dkim_aligned)} — {d.dkim_alignment}")
    return out


def _dkim(k: DkimKeyCheck) -> str:
    if k.status == "ok":
        return f"    DKIM key      {k.name}: {k.key_type} {k.bits} bits"
    return f"    DKIM key      {k.name}: {k.status}" + (f" ({k.problem})" if k.problem else "")


def _yes(value: bool | None) -> str:
    return "would align" if value else "does not align" if value is False else "unknown"


def _todo(findings: tuple[Finding, ...], style: Style) -> list[str]:
    shown = [f for f in findings if f.outcome is not Outcome.SKIPPED]
    if not shown:
        return []
    out = [style("  What to do", bold=True)]
    order = (Outcome.PROBLEM, Outcome.WARNING, Outcome.UNKNOWN)
    for f in sorted(shown, key=lambda f: order.index(f.outcome)):
        label, color = _MARK[f.outcome]
        out.append(textwrap.fill(f.text, WIDTH, initial_indent="    " + style(f"[{label}]", fg=color) + " ",
                                 subsequent_indent="      ", break_on_hyphens=False))
        if f.remedy:
            out.append(textwrap.fill(f.remedy, WIDTH, initial_indent="      -> ", subsequent_indent="         ",
                                     break_on_hyphens=False))
    return out

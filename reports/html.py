"""One self-contained HTML report that opens offline.

Inline CSS, inline JS and inline SVG charts; a Content-Security-Policy that allows only the
report's own script and style (by hash) and data: images, so nothing loads from the network.
Jinja2 with autoescape renders every message-derived string as text; the table data the script
uses sits in a `<script type="application/json">` block with `<`, `>` and `&` escaped.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import pandas as pd
from markupsafe import Markup

from ndr import __version__
from reports.cells import plain, rows
from reports.frame import DELAY, FAILURE
from reports.model import Report
from reports.svg import Series, colours, lines, stacked_bars
from reports.trends import OTHER, series, top_keys

if TYPE_CHECKING:
    from reports.dns import DnsResults

CHART_REASONS = 8  # reasons drawn separately in the charts; the rest are "other"
CHART_PREFIXES = 6  # prefixes drawn in the top-prefix chart
DNS_CELLS = ("ptr_present", "fcrdns_ok", "spf_result", "listed_on")  # cluster-table columns with DNS checks on
TEMPLATES = Path(__file__).with_name("templates")  # report.html.j2, report.css, report.js (package data)


def _resource(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def csp_hash(text: str) -> str:
    """The CSP source expression allowing exactly this inline script or style."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def safe_json(value: object) -> Markup:
    """JSON for a <script type="application/json"> block: nothing in it can close the element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for raw, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"),
                     ("\u2029", "\\u2029")):
        text = text.replace(raw, esc)
    return Markup(text)  # noqa: S704 - escaped above for the script-data context


def _when(value: object) -> str:
    v = plain(value)
    if isinstance(v, datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return "" if v is None else str(v)


def _change(row: dict[str, object]) -> str:
    if row["trend"] == "new":
        return "new"
    pct = plain(row["change_pct"])
    change = int(str(row["change"]))
    sign = "+" if change > 0 else ""
    return f"{sign}{change} ({sign}{pct:g}%)" if isinstance(pct, float) else f"{sign}{change}"


def _cluster_rows(report: Report) -> list[dict[str, object]]:
    table = report.clusters
    columns = [str(c) for c in table.columns]
    out = []
    for values in rows(table):
        row: dict[str, object] = dict(zip(columns, values, strict=True))
        row["first_seen_text"] = _when(row["first_seen"])
        row["last_seen_text"] = _when(row["last_seen"])
        row["change_text"] = _change(row)
        row["share_text"] = f"{100 * float(str(row['share'])):.1f}%"
        row["samples"] = report.samples.get(str(row["id"]), [])
        if report.dns is not None:
            _add_dns(row, report.dns)
        out.append(row)
    return out


def _add_dns(row: dict[str, object], dns: DnsResults) -> None:
    """The DNS cells' states and the drill-down evidence (reports/dns_html.py) of one cluster row."""
    from reports.dns_html import cell_state, cluster_evidence  # noqa: PLC0415 - only with DNS checks

    row["dns_states"] = {k: cell_state(k, row.get(k)) for k in DNS_CELLS}
    row["dns"] = cluster_evidence(dns, str(row["id"]))


def _script_data(clusters: list[dict[str, object]], *, dns: bool) -> list[dict[str, object]]:
    keep = ("id", "type", "prefix", "network", "reason", "blocklist", "failures", "recipients", "domains",
            "top_domains", "providers", "sending_ips", "top_diagnostic", "previous", "change", "change_pct",
            *(("dns_checked", *DNS_CELLS) if dns else ()))
    data = []
    for row in clusters:
        item: dict[str, object] = {k: row.get(k) for k in keep}
        for k in ("first_seen", "last_seen"):
            v = row.get(k)
            item[k] = v.astimezone(UTC).isoformat() if isinstance(v, datetime) else None
        data.append(item)
    return data


def _charts(report: Report) -> list[dict[str, object]]:
    frame = report.failures.rename(columns={"date": "at"})
    if frame.empty:
        return []
    frame["day"] = pd.to_datetime(frame["at"], utc=True).dt.floor("D")
    days = report.period.day_list()
    charts: list[dict[str, object]] = []
    for kind, title, by, limit, draw in (
        (FAILURE, "Failed recipients per day, by reason", "reason", CHART_REASONS, stacked_bars),
        (FAILURE, "Failed recipients per day, top sending prefixes", "prefix", CHART_PREFIXES, lines),
        (DELAY, "Delayed recipients (4.x.x) per day, by reason", "reason", CHART_REASONS, stacked_bars),
    ):
        sub = frame[frame["type"] == kind]
        if sub.empty:
            continue
        keys = [k for k in top_keys(sub, by, None) if not (by == "prefix" and k == "unknown")]
        shown = keys[:limit]
        per_key = series(sub, report.period, kind, by, shown)
        if len(keys) > limit and draw is stacked_bars:
            rest = sub[~sub[by].fillna("unknown").astype(str).isin(shown)].assign(**{by: OTHER})
            per_key[OTHER] = series(rest, report.period, kind, by, [OTHER])[OTHER]
        palette = colours(list(per_key))
        drawn = [Series(name=k, values=tuple(v), colour=palette[k]) for k, v in per_key.items()]
        charts.append({"title": title, "svg": draw(days, drawn, title),
                       "legend": [(s.name, s.colour, sum(s.values)) for s in drawn]})
    return charts


def _headline(report: Report) -> list[dict[str, object]]:
    h = report.headline

    def delta(now: int, before: int) -> str:
        if before == 0:
            return "none in the previous period" if now else ""
        pct = 100.0 * (now - before) / before
        return f"{'+' if pct >= 0 else ''}{pct:.0f}% vs previous period ({before})"

    return [
        {"label": "Failed recipients", "value": h.failures, "note": delta(h.failures, h.previous_failures)},
        {"label": "Delayed (4.x.x)", "value": h.delays, "note": delta(h.delays, h.previous_delays)},
        {"label": "Distinct recipients", "value": h.recipients, "note": f"in {h.domains} domains"},
        {"label": "Sending prefixes", "value": h.prefixes, "note": "with failures"},
        {"label": "Clusters", "value": h.clusters, "note": "prefix × reason"},
    ]


def render_html(report: Report) -> str:
    """The report as one HTML document."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = env.from_string(_resource("report.html.j2"))
    script, style = _resource("report.js"), _resource("report.css")
    clusters = _cluster_rows(report)
    csp = (f"default-src 'none'; script-src {csp_hash(script)}; style-src {csp_hash(style)}; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    return template.render(
        csp=csp, script=Markup(script), style=Markup(style),  # noqa: S704 - our own static files
        report=report, version=__version__, headline=_headline(report), charts=_charts(report),
        clusters=clusters, data=safe_json({"clusters": _script_data(clusters, dns=report.dns is not None)}),
        dns=report.dns is not None,
        generated=report.generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        sources=", ".join(report.sources) or "all sources",
    )


def write_html(report: Report, out: Path) -> list[Path]:
    """report.html in `out`."""
    path = out / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    return [path]

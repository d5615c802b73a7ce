"""The HTML report in a real headless Chromium (Debian's package, driven by Playwright): it renders
offline with no console errors and no network requests, draws its charts, filters, sorts and opens
drill-downs, and shows hostile text from bounces as text without ever running it."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from reports.build import build_report
from reports.html import write_html
from reports.model import Period, ReportOptions
from reports.networks import NetworkTable
from tests.conftest import require, require_binary
from tests.test_aggregate import M365_A, RELAY, row

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PWN = "<script>window.__pwned = 1; alert(1)</script>"
IMG = '<img src="x" onerror="window.__pwned = 2">'
HOSTILE_DIAG = f"550 5.7.1 {PWN} {IMG} @SUM(1+1) </script><script>window.__pwned = 3</script>"


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [row(2 + i % 28, M365_A, "requireptr", f"u{i}@gmail.com", hour=6 + i % 12) for i in range(60)]
    rows += [row(8 + i % 20, M365_A, "badreputation", f"r{i}@googlemail.com") for i in range(25)]
    rows += [row(10 + i % 10, RELAY, "blocked", f"b{i}@example.net", blocklist="zen.spamhaus.org",
                 diag="554 5.7.1 Client host [203.0.113.25] blocked using zen.spamhaus.org") for i in range(12)]
    rows += [row(12, "198.51.100.7", "authfailure", f"n{i}@gmail.com", sender="News <news@news.example.org>")
             for i in range(5)]
    rows += [row(14 + i, RELAY, "speeding", f"d{i}@gmail.com", action="delayed", status="4.7.28") for i in range(6)]
    rows += [row(20, "192.0.2.66", "spamdetected", '"=HYPERLINK(""http://example.com"",""x"")"@example.com',
                 diag=HOSTILE_DIAG, sender=f"{PWN} <x@example.com>")]
    report = build_report(rows, period=Period.days(date(2025, 3, 2), date(2025, 3, 31)), options=ReportOptions(),
                          networks=NetworkTable(), generated_at=datetime(2025, 4, 1, 6, 0, tzinfo=UTC))
    out = tmp_path_factory.mktemp("html")
    return write_html(report, out)[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = require_binary("chromium", "chromium")
    require("playwright (pip, dev extra)", importlib.util.find_spec("playwright") is not None)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Page:
    """A page that records console errors, page errors, dialogs and every request."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(url)
        self.page.wait_for_load_state("load")

    def visible_clusters(self) -> int:
        return int(self.page.evaluate(
            "Array.from(document.querySelectorAll('tbody.cluster')).filter(t => !t.hidden).length"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(browser: Any, report_file: Path) -> Iterator[Page]:
    p = Page(browser, report_file.as_uri())
    yield p
    p.close()


def test_renders_offline_without_errors_or_requests(page: Page, report_file: Path, tmp_path: Path) -> None:
    assert page.page.title().startswith("ndr bounce report 2025-03-02 .. 2025-03-31")
    page.page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert page.errors == []
    assert page.requests == [report_file.as_uri()]  # only the file itself
    assert page.dialogs == []
    cards = page.page.locator(".card .value").all_inner_texts()
    assert cards[:2] == ["103", "6"]  # failed, delayed


def test_charts_are_drawn(page: Page) -> None:
    charts = page.page.locator("svg.chart")
    assert charts.count() == 3  # reasons, top prefixes, delays
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
    bars = page.page.locator("svg.chart rect.bar")
    assert bars.count() > 20
    heights = page.page.evaluate("Array.from(document.querySelectorAll('svg.chart rect.bar'))"
                                 ".map(r => r.getBoundingClientRect().height)")
    assert max(heights) > 50 and min(heights) > 0
    assert page.page.locator("svg.chart polyline.line").count() >= 2  # the top-prefix lines
    legend = page.page.locator(".legend").first.inner_text()
    assert "requireptr" in legend and "badreputation" in legend


def test_filter_narrows_the_cluster_table(page: Page) -> None:
    total = page.visible_clusters()
    assert total == 6
    page.page.fill("#filter", "spamhaus")
    assert page.visible_clusters() == 1
    assert page.page.locator("#shown").inner_text() == "1 of 6 clusters"
    page.page.fill("#filter", "google 2a01:111")
    assert page.visible_clusters() == 2  # every word must match
    page.page.fill("#filter", "")
    page.page.select_option("#type-filter", "delay")
    assert page.visible_clusters() == 1
    page.page.select_option("#type-filter", "")
    assert page.visible_clusters() == total
    assert page.errors == []


def test_sorting(page: Page) -> None:
    def column(key: str) -> list[str]:
        return list(page.page.evaluate(
            "k => Array.from(document.querySelectorAll('tbody.cluster')).map(t => t.getAttribute('data-id'))", key))

    assert column("id")[:2] == ["C001", "C002"]  # biggest first
    page.page.click("th[data-key=failures] button")  # was descending: now ascending
    ids = column("id")
    failures = page.page.evaluate(
        "Array.from(document.querySelectorAll('tbody.cluster tr.row td.num:nth-of-type(5)'))"
        ".map(td => parseInt(td.firstChild.textContent))")
    assert failures == sorted(failures)
    assert ids[-1] == "C001"
    assert page.page.get_attribute("th[data-key=failures]", "aria-sort") == "ascending"
    page.page.click("th[data-key=reason] button")
    reasons = page.page.locator("tbody.cluster tr.row .reason").all_inner_texts()
    assert reasons == sorted(reasons)
    # drill-down rows travel with their cluster
    first = page.page.locator("tbody.cluster").first
    assert first.locator("tr.detail").count() == 1


def test_drill_down_opens_with_advice_and_samples(page: Page) -> None:
    first = page.page.locator("tbody.cluster").first
    detail = first.locator("tr.detail")
    assert not detail.is_visible()
    first.locator("button.toggle").click()
    assert detail.is_visible()
    text = detail.inner_text()
    assert "What to do." in text and "Microsoft" in text and "outbound connector" in text
    assert "Sample diagnostics" in text.title() or "SAMPLE DIAGNOSTICS" in text
    assert first.locator("button.toggle").get_attribute("aria-expanded") == "true"
    first.locator("button.toggle").click()
    assert not detail.is_visible()


def test_hostile_text_is_shown_and_never_run(page: Page) -> None:
    page.page.fill("#filter", "192.0.2.0/24 spamdetected")
    assert page.visible_clusters() == 1
    hostile = page.page.locator("tbody.cluster:not([hidden])")
    hostile.locator("button.toggle").click()
    text = hostile.inner_text()
    assert PWN in text  # the script is shown as text
    assert IMG in text
    assert page.page.evaluate("typeof window.__pwned") == "undefined"
    assert page.dialogs == []
    assert page.page.locator("img").count() == 0  # no element was injected
    assert page.page.evaluate("document.scripts.length") == 2  # the data block and ndr's own script
    assert page.errors == []
    assert len(page.requests) == 1

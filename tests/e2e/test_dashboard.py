"""The dashboard, in a real headless browser (Debian's chromium, offline).

The page is rendered from the seed profile's warehouse, opened with every
network request refused, and must load without a console error, draw every
chart, and show the audit's story: the October spike and the two ghosts.
A full-page screenshot is kept in artifacts/dashboard.png.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.dashboard.render import CHARTS
from dlt_pipelines.run.state import RunState
from tests.helpers import chromium, rows

SCREENSHOT = REPO_ROOT / "artifacts" / "dashboard.png"


@pytest.fixture(scope="module")
def page(seed_warehouse, tmp_path_factory):
    """The seed dashboard, loaded offline in chromium; yields (page, errors)."""
    output = tmp_path_factory.mktemp("dashboard") / "dashboard.html"
    subprocess.run(
        [sys.executable, "-m", "dlt_pipelines.dashboard.render", "--output", str(output)],
        cwd=REPO_ROOT,
        env=os.environ | seed_warehouse.env(),
        check=True,
    )
    with sync_playwright() as playwright:
        browser = chromium(playwright)
        tab = browser.new_page(viewport={"width": 1400, "height": 900})
        errors, requests = [], []
        tab.on("console", lambda message: message.type == "error" and errors.append(message.text))
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.route("http*://**", lambda route: (requests.append(route.request.url), route.abort()))
        tab.goto(Path(output).as_uri())
        tab.wait_for_function(
            f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {len(CHARTS)}"
        )
        SCREENSHOT.parent.mkdir(exist_ok=True)
        tab.screenshot(path=SCREENSHOT, full_page=True)
        yield tab, errors, requests
        browser.close()


def test_loads_offline_without_console_errors(page):
    _, errors, requests = page
    assert errors == []
    assert requests == []  # nothing was fetched: the page is self-contained


def test_every_chart_renders(page):
    tab, _, _ = page
    drawn = tab.eval_on_selector_all(
        ".js-plotly-plot",
        "plots => plots.map(p => [p.id, p.querySelector('.main-svg').getBoundingClientRect()"
        ".height > 100, p.data.length])",
    )
    assert sorted(p[0] for p in drawn) == sorted(f"{model}_chart" for model in CHARTS)
    assert all(tall and traces > 0 for _, tall, traces in drawn)


def test_every_chart_says_what_it_counts_and_where_from(page):
    tab, _, _ = page
    panels = tab.eval_on_selector_all(
        "section.panel",
        "s => s.map(p => [p.id, p.querySelector('.definition').innerText,"
        " p.querySelector('.source').innerText])",
    )
    sources = {panel_id: source for panel_id, _, source in panels}
    assert sources["new_users_monthly"] == "ChemLink DB"
    assert sources["dau"] == "Engagement DB"
    assert sources["retention_cohorts"] == "ChemLink DB + Engagement DB"
    assert all(len(definition) > 20 for _, definition, _ in panels)
    assert set(CHARTS) <= set(sources)
    assert "As of 2025-11-03" in tab.inner_text("header")


def test_names_the_build_it_shows(page, seed_warehouse):
    tab, _, _ = page
    live = RunState(seed_warehouse).published()
    assert f"build {live.run_id}" in tab.inner_text("header")


def test_shows_the_october_spike(page):
    tab, _, _ = page
    months, active = tab.evaluate(
        "() => { const d = document.getElementById('mau_comprehensive_chart').data[0];"
        " return [d.x, d.y]; }"
    )
    assert max(active) == 2088
    assert months[active.index(2088)].startswith("2025-10")


def test_the_activation_funnel_shows_each_signup_month_as_the_mart_counts_it(page, seed_warehouse):
    tab, _, _ = page
    drawn = tab.evaluate(
        "() => document.getElementById('activation_funnel_chart').data"
        ".map(trace => [trace.name, trace.x, trace.y])"
    )
    mart = rows(
        seed_warehouse,
        "select signup_month, signups, activated_within_30_days, activated_within_7_days"
        " from marts.activation_funnel order by signup_month",
    )
    months = [month.isoformat() for month, *_ in mart]
    assert [(name, [x[:10] for x in xs]) for name, xs, _ in drawn] == [
        (name, months) for name in ("signed up", "acted within 30 days", "acted within 7 days")
    ]
    assert [list(counts) for counts in zip(*(ys for *_, ys in drawn), strict=True)] == [
        list(counts) for _, *counts in mart
    ]
    october = months.index("2025-10-01")
    assert (drawn[0][2][october], drawn[1][2][october]) == (99, 10)  # as README.md says
    tab.locator("#activation_funnel").screenshot(path=SCREENSHOT.with_name("activation_funnel.png"))


def test_data_quality_panel_shows_the_two_ghosts(page):
    tab, _, _ = page
    assert tab.inner_text("#ghosts .figure") == "2"
    assert "ghost accounts, with 11 live Engagement rows" in tab.inner_text("#ghosts")
    assert "fresh" in tab.inner_text("#freshness")
    assert SCREENSHOT.stat().st_size > 100_000

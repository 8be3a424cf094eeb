"""The story report of the seed story, opened in headless Chromium: the Mezhyra/Mezhova conflict shows.

Uses the session's nightly run on the sample (``seed_run``): the reports/story_reports asset wrote the
page next to that run's warehouse. Needs Debian's Chromium (scripts/install_browser.sh); without a
browser binary the test skips and says so loudly.
"""

import dataclasses
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from wiretrace.report import render_html

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CONFLICT_PAIR = {"Mezhyra", "Mezhova"}  # shared/seeds/expected.json: the town named differently

pytestmark = pytest.mark.slow


def chromium_path(config: pytest.Config) -> str:
    path = os.environ.get("WIRETRACE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        message = (f"NO BROWSER: Chromium not found at {path}; run scripts/install_browser.sh "
                   "(apt-get install chromium). The story report browser test did NOT run.")
        # Loud: straight to the terminal, past output capture, whatever -r options are given.
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        capture = config.pluginmanager.get_plugin("capturemanager")
        if reporter is not None and capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line(f"\n!!! {message}", red=True, bold=True)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def browser(pytestconfig):
    from playwright.sync_api import sync_playwright

    executable = chromium_path(pytestconfig)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def seed_story(seed_run):
    assert seed_run["result"].success
    con = duckdb.connect(str(seed_run["snapshot"]), read_only=True)
    try:
        story_id, label = con.execute(
            "SELECT story_id, label FROM marts.stories ORDER BY outlet_count DESC, story_id LIMIT 1").fetchone()
    finally:
        con.close()
    page = seed_run["warehouse"].parent / "reports" / f"{story_id}.html"
    assert page.exists(), f"reports/story_reports did not write {page}"
    return {"story_id": story_id, "label": label, "page": page}


def test_seed_report_shows_the_conflict_highlighted(browser, seed_story):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(seed_story["page"].as_uri())
    assert seed_story["label"] in page.title()

    conflict = page.locator('#conflicts .conflict[data-conflict-type="place"]')
    assert conflict.count() == 1
    conflict.scroll_into_view_if_needed()
    marks = conflict.locator("mark.conflict-value")
    assert set(marks.all_inner_texts()) == CONFLICT_PAIR
    for value in CONFLICT_PAIR:
        mark = conflict.locator("td mark.conflict-value", has_text=value).first
        assert mark.is_visible()
        background = mark.evaluate("el => getComputedStyle(el).backgroundColor")
        assert background not in ("rgba(0, 0, 0, 0)", "transparent", "rgb(255, 255, 255)"), background
        # The value sits in its sentence, as the outlet printed it.
        assert "in the town of" in mark.evaluate("el => el.parentElement.textContent")

    # The claim the conflict belongs to is flagged in the claim table, with its support counts.
    claim_id = conflict.get_attribute("data-claim-id")
    row = page.locator(f'table.claims tr.has-conflict[data-claim-id="{claim_id}"]')
    assert row.count() == 1 and row.is_visible()
    assert row.locator("td.conflicts").inner_text().strip() == "1"
    assert page.locator("table.claims tr.claim").count() > 10

    # The side-by-side diff highlights the town's name where the copies differ.
    changed = set(page.locator("table.diff ins, table.diff del").all_inner_texts())
    assert any("Mezhova" in t for t in changed) and any("Mezhyra" in t for t in changed)
    assert page.locator("table.diff").count() >= 1
    assert dialogs == []

    conflict.screenshot(path=str(ARTIFACTS / "story_report_conflict.png"))
    page.screenshot(path=str(ARTIFACTS / "story_report.png"), full_page=True)
    page.close()


def test_hostile_text_is_shown_not_run(browser, seed_run, seed_story, tmp_path):
    from wiretrace.report import load_story

    con = duckdb.connect(str(seed_run["snapshot"]), read_only=True)
    try:
        report = load_story(con, seed_story["story_id"])
    finally:
        con.close()
    payload = "<img src=x onerror=\"document.title='pwned'\"><script>alert('pwned')</script>"
    hostile = dataclasses.replace(report, label=f"Headline {payload}")
    path = tmp_path / "hostile.html"
    path.write_text(render_html(hostile), encoding="utf-8")
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    assert page.title() != "pwned" and dialogs == []
    assert payload in page.locator("#story-label").inner_text()
    assert page.locator("#story-label img, #story-label script").count() == 0
    page.close()

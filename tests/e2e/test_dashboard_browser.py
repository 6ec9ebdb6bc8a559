"""The KPI dashboard in real Chromium, against the console's real server and store: a
supervisor logs in through the form, opens the dashboard, changes the date range and drills
down to the conversations behind a number. Saves docs/images/dashboard.png for the README."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.bot.console.conftest import PASSWORD, Console
from tests.bot.console.conftest import console as console
from tests.bot.console.conftest import rasa_cors as rasa_cors
from tests.bot.console.conftest import store as store
from tests.bot.console.test_dashboard import add_kpis
from tests.browser import CHROMIUM_ARGS, artifacts_dir, chromium_executable, expect

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "dashboard.png"


def _errors(errors: list[str], message: Any) -> None:
    if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
        errors.append(f"{message.text} ({message.location.get('url')})")


async def test_a_supervisor_changes_the_range_and_drills_down(console: Console) -> None:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.fail("The browser test needs playwright: `pip install playwright==1.65.2`.")
    month = add_kpis(console.factory, console.factory.kw["bind"])
    second_week = [
        t for t in month.truths if "2024-03-04" <= t.start.date().isoformat() <= "2024-03-08"
    ]
    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_ARGS
        )
        try:
            page = await (
                await browser.new_context(viewport={"width": 1400, "height": 1000})
            ).new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda message: _errors(errors, message))
            await page.goto(console.url + "/")
            await page.get_by_label("Username").fill("sue")
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Log in").click()
            await expect()(page).to_have_title("Agent console")

            await page.goto(console.url + "/dashboard")
            await expect()(page).to_have_title("KPI dashboard")
            await page.get_by_label("From", exact=True).fill("2024-03-01")
            await page.get_by_label("To", exact=True).fill("2024-03-08")
            await page.get_by_role("button", name="Apply").click()
            await expect()(page).to_have_url(re.compile(r"from=2024-03-01&to=2024-03-08"))
            total = page.get_by_role("link", name=re.compile(r"^Conversations: "))
            await expect()(total).to_have_text(str(len(month.truths)))
            await page.screenshot(path=str(SCREENSHOT), full_page=True)

            # A narrower range: the totals follow it.
            await page.get_by_label("From", exact=True).fill("2024-03-04")
            await page.get_by_role("button", name="Apply").click()
            await expect()(total).to_have_text(str(len(second_week)))

            # Drill down from the handoff rate to the conversations behind it.
            await page.get_by_role("link", name=re.compile(r"^Handoff rate: ")).click()
            handed = [t for t in second_week if t.handed_off]
            await expect()(page.locator("#drill-title")).to_contain_text(
                f"{len(handed)} conversations"
            )
            await expect()(page.locator("#drill tbody tr")).to_have_count(len(handed))
            ids = await page.locator("#drill tbody tr td:first-child").all_inner_texts()
            assert sorted(ids) == sorted(t.conversation_id for t in handed)
            await page.screenshot(path=str(artifacts_dir() / "dashboard-drill.png"), full_page=True)

            # From a bar of the chart: one interaction type's conversations.
            await page.go_back()
            await page.locator("svg a").first.click()
            await expect()(page.locator("#drill-title")).to_contain_text("interaction type =")
        finally:
            await browser.close()
    assert errors == []

"""Take screenshots of a running Amends (e.g. `make demo`) for the README: python scripts/screenshot.py [URL]."""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from amends.core.testing import launch_chromium

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path("docs")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 760}, locale="en-GB")
        page.goto(f"{BASE}/login/")
        page.fill("#id_username", "agent")
        page.fill("#id_password", "amends-demo")
        page.click("button[type=submit]")
        page.wait_for_selector("table.cases")
        page.wait_for_timeout(1200)  # let the countdowns tick once
        page.screenshot(path=str(OUT / "inbox.png"))
        browser.close()


if __name__ == "__main__":
    main()

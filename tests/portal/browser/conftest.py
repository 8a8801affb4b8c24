"""Browser tests: Playwright for Python driving Debian's Chromium
(``/usr/bin/chromium``, installed by ``.ci/run``; nothing is downloaded) against
the portal served by pytest-django's live server on the portal tests' data area.
Each journey saves screenshots under ``test-artifacts/browser/`` (or
``$CLD_TEST_ARTIFACTS/browser/``)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("CLD_TEST_ARTIFACTS", "test-artifacts")) / "browser"
PASSWORD = "correct horse battery staple"
REFUSED_PAGE = re.compile(r"status of 40[34]")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed here (.ci/run installs it)")
    # Playwright's sync API runs an event loop in this thread; the live server's
    # database work happens in its own thread, so Django's guard does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


class Journey:
    """One browser tab on the live portal, taking numbered screenshots."""

    def __init__(self, page: Any, name: str) -> None:
        self.page = page
        self.name = name
        self.shots: list[Path] = []

    def shot(self, step: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{len(self.shots) + 1:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path

    def sign_in(self, user: Any) -> None:
        """Password, then the authenticator's code, as a person does."""
        from django_otp.oath import totp

        page = self.page
        page.goto("/sign-in/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("Code from your authenticator app").fill(
            f"{totp(user.totp_device.bin_key):06d}"
        )
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("heading", name="What you can do").wait_for()


@pytest.fixture
def journey(
    browser: Any, live_server: Any, request: pytest.FixtureRequest
) -> Iterator[Journey]:
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" else None
        ),
    )
    found = Journey(page, request.node.name.removeprefix("test_"))
    try:
        yield found
        found.shot("end")
        # no script errors and no Content-Security-Policy violations on the way
        # (a refused page is itself a 403 or 404: that is not an error of the page)
        assert not [e for e in errors if not REFUSED_PAGE.search(e)], errors
    finally:
        context.close()

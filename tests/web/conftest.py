"""The real-browser fixtures: Playwright (pytest-playwright) driving Debian's chromium against a live server."""

import os
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from chat.models import User
from tests.web.browser import CHROMIUM, CHROMIUM_FLAGS

# The machine running the suite is busy with the rest of it: waits are generous, never a measure of speed.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """Playwright launches the system's chromium by its path: nothing is downloaded."""
    if CHROMIUM is None:
        pytest.skip("the browser tests need Debian's chromium: apt-get install -y chromium")
    return {"executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session", autouse=True)
def _sync_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an event loop in this thread from the first browser test on; the tests' own
    ORM calls (and the database set-up) are still synchronous, so Django's async guard must look away."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


class Console:
    """What a page printed: errors and Content-Security-Policy violations fail the test that reads them."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def problems(self) -> list[str]:
        noise = ("Permissions-Policy", "/api/v1/events")  # Chromium's unknown-feature notes; the stream's reconnects
        return [
            line for line in self.lines if line.startswith(("error", "pageerror")) and not any(n in line for n in noise)
        ]


@pytest.fixture
def open_as(browser: Browser, live_server) -> Iterator[Callable[..., tuple[Page, Console]]]:
    """A page in a browser context of its own, logged in as the user (a real session cookie), at `path`."""
    contexts: list[BrowserContext] = []

    def open_page(user: User | None, path: str = "/", **context_options) -> tuple[Page, Console]:
        context = browser.new_context(base_url=live_server.url, **context_options)
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
        page = context.new_page()
        console = Console()
        page.on(
            "console",
            lambda message: console.lines.append(f"{message.type}: {message.text} ({message.location.get('url')})"),
        )
        page.on("pageerror", lambda error: console.lines.append(f"pageerror: {error}"))
        page.goto(path)
        return page, console

    yield open_page
    for context in contexts:
        context.close()

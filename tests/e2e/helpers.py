"""Small helpers shared by the browser tests."""

from __future__ import annotations

from tests.factories import PASSWORD


def login(page, server, user) -> None:
    page.context.clear_cookies()
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{server.url}/")

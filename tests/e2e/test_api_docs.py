"""The API's documentation pages work under the Content-Security-Policy, which allows no inline script."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import SCREENSHOTS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("path", "operation"), [("/api/docs/", ".opblock"), ("/api/redoc/", "[data-section-id]")])
def test_the_api_documentation_shows_its_operations(new_page, path, operation) -> None:
    page = new_page(locale="en")
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(path)
    page.wait_for_selector(operation, timeout=30_000)
    assert page.locator(operation).count() > 10
    assert "/api/v1/visit-sheets/" in page.inner_text("body")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # the first screen only: the whole page is very long
    page.screenshot(path=str(SCREENSHOTS / f"api-docs-{path.strip('/').replace('/', '-')}.png"))
    # Redoc's footer logo comes from its makers' site: the policy blocks it, and nothing else may be blocked.
    assert [v for v in violations if not v.startswith("Loading the image 'https://cdn.redoc.ly/")] == []

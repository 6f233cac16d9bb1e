from __future__ import annotations

import pytest

from salesops.navigation import navigation_for


def active(role: str, path: str) -> list[str]:
    return [entry["url"] for entry in navigation_for(role, path) if entry["active"]]


@pytest.mark.parametrize(
    ("role", "path", "expected"),
    [
        ("director", "/org/audit/", ["/org/audit/"]),
        ("director", "/org/teams/", ["/org/teams/"]),
        ("manager", "/customers/12/", ["/customers/"]),
        ("manager", "/reports/my-team/", ["/reports/"]),
        ("manager", "/visits/sheets/3/", ["/visits/team/"]),
        ("rep", "/visits/today/", ["/visits/today/"]),
        ("rep", "/", []),
    ],
)
def test_exactly_the_entry_of_the_page_is_marked_active(role, path, expected) -> None:
    assert active(role, path) == expected

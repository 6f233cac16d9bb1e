"""No GET changes a row: every GET route of the URL configuration, as every role, on its own team's object and the
other team's, with and without the query parameters the pages offer, writes nothing (sessions, the audit trail
and login throttling aside)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.security.conftest import ROLES, send
from tests.security.test_permission_matrix import MATRIX, _sides, routes_in_urlconf, url_of

pytestmark = pytest.mark.django_db

NEXT_YEAR = timezone.localdate().replace(day=1).replace(year=timezone.localdate().year + 1).isoformat()
# Query parameters that used to make a GET do work it should not: a day's meetings, a far future.
WITH_PARAMETERS = [
    "/meetings/?day={today}",
    "/meetings/?day={next_year}",
    "/meetings/?day=3000-01-06",
    "/api/v1/meetings/?date={today}",
    "/api/v1/meetings/?date={next_year}",
    "/api/v1/meetings/?date=3000-01-06",
    "/visits/team/?date={today}",
    "/visits/today/",
    "/reports/?period=day",
    "/meetings/schedule/",
]


def get_routes() -> list[str]:
    return sorted(name for name, method in routes_in_urlconf() if method == "GET")


def test_every_get_route_has_a_way_to_be_called() -> None:
    assert len(get_routes()) > 60
    assert [name for name in get_routes() if (name, "GET") not in MATRIX] == []


@pytest.mark.parametrize("role", ROLES)
def test_no_get_route_writes_a_row_for_any_role(world, clients, role) -> None:
    failures = []
    today = timezone.localdate().isoformat()
    urls = {url.format(today=today, next_year=NEXT_YEAR) for url in WITH_PARAMETERS}
    for name in get_routes():
        row = MATRIX[(name, "GET")]
        urls |= {url_of(row, world, side) for _own, side in _sides(row, role, world)}
    for url in sorted(urls):
        response, written = send(clients[role], "GET", url, api=url.startswith("/api/"))
        if written:
            failures.append(f"GET {url} as {role} ({response.status_code}) wrote {written}")
    assert not failures, "\n".join(failures)

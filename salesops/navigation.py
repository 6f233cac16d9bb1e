"""The role-based navigation. An entry whose page does not exist (yet) is left out."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DIRECTOR, MANAGER, REP = "director", "manager", "rep"
LEADERS = (DIRECTOR, MANAGER)
EVERYONE = (DIRECTOR, MANAGER, REP)


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    roles: tuple[str, ...]
    section: str  # the first path segment that marks the entry active


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry(_("Home"), "home", EVERYONE, ""),
    NavEntry(_("Targets"), "targets:grid", LEADERS, "targets"),
    NavEntry(_("My targets"), "targets:mine", (REP,), "targets"),
    NavEntry(_("Visit sheets"), "visits:team_day", LEADERS, "visits"),
    NavEntry(_("My sheet"), "visits:today", (REP,), "visits"),
    NavEntry(_("Meetings"), "meetings:index", EVERYONE, "meetings"),
    NavEntry(_("Reports"), "reports:daily", LEADERS, "reports"),
    NavEntry(_("Teams"), "org:teams", LEADERS, "org"),
    NavEntry(_("Customers"), "org:customers", EVERYONE, "customers"),
    NavEntry(_("Products"), "org:products", EVERYONE, "products"),
    NavEntry(_("Calendar"), "org:calendar", EVERYONE, "calendar"),
    NavEntry(_("Audit log"), "org:audit", (DIRECTOR,), "audit"),
)


def navigation_for(role: str | None, path: str) -> list[dict]:
    if role is None:
        return []
    section = path.strip("/").split("/")[0] if path else ""
    entries = []
    for entry in NAVIGATION:
        if role not in entry.roles:
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        entries.append({"label": entry.label, "url": url, "active": False, "section": entry.section})
    # The entry whose address is the longest prefix of the page's marks it; else the page's section does.
    by_prefix = [e for e in entries if e["url"] != "/" and path.startswith(e["url"])]
    if by_prefix:
        max(by_prefix, key=lambda e: len(e["url"]))["active"] = True
    else:
        for e in entries:
            e["active"] = e["section"] == section and bool(section)
    return entries

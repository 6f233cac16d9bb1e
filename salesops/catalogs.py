"""The translation catalogues' health: every zh_Hans string translated, nothing fuzzy or obsolete, every
catalogue up to date with the sources and compiled, one translation per string across catalogues.

`make messages` writes the catalogues; the test suite calls `catalog_problems` so that a string added
without its Chinese, or a catalogue not refreshed after a change of the sources, fails CI."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections import defaultdict
from contextlib import chdir, redirect_stdout
from pathlib import Path

import polib
from django.core.management import call_command
from django.test import override_settings

LANGUAGE = "zh_Hans"
DOMAINS = ("django", "djangojs")
# What `make messages` leaves out; the same list is given to makemessages here.
IGNORED = (".venv", "node_modules", "var", "static/vendor", "staticfiles", ".git")

Key = tuple[str | None, str, str]


def _key(entry: polib.POEntry) -> Key:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or "")


def _catalogues(root: Path) -> dict[str, Path]:
    found = {}
    for domain in DOMAINS:
        for path in root.rglob(f"{LANGUAGE}/LC_MESSAGES/{domain}.po"):
            relative = path.relative_to(root)
            if relative.parts[0] not in IGNORED:
                found[str(relative)] = path
    return found


def make_messages(root: Path) -> None:
    """Run makemessages for zh_Hans over the tree at ``root`` (both domains, no obsolete entries)."""
    with chdir(root), override_settings(LOCALE_PATHS=[root / "locale"]), redirect_stdout(io.StringIO()):
        for domain in DOMAINS:
            call_command(
                "makemessages",
                locale=[LANGUAGE],
                domain=domain,
                no_obsolete=True,
                ignore_patterns=list(IGNORED),
                verbosity=0,
            )


def _translated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def catalog_problems(root: Path) -> list[str]:
    """Everything wrong with the zh_Hans catalogues of the tree at ``root``, one line each ([] when none)."""
    problems: list[str] = []
    committed = _catalogues(root)
    translations: dict[Key, dict[str, str]] = defaultdict(dict)
    for name, path in committed.items():
        catalogue = polib.pofile(str(path))
        for entry in catalogue:
            where = f"{name}: {entry.msgid!r}" + (f" (context {entry.msgctxt!r})" if entry.msgctxt else "")
            if entry.obsolete:
                problems.append(f"{where} is obsolete (#~): delete it")
            elif "fuzzy" in entry.flags:
                problems.append(f"{where} is fuzzy")
            elif not _translated(entry):
                problems.append(f"{where} is untranslated")
            else:
                translations[_key(entry)][name] = entry.msgstr or str(sorted(entry.msgstr_plural.items()))
        compiled = path.with_suffix(".mo")
        if not compiled.exists():
            problems.append(f"{name} is not compiled (compilemessages)")
        else:
            mo = {_key(e): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(compiled)) if e.msgid}
            po = {_key(e): (e.msgstr, e.msgstr_plural) for e in catalogue.translated_entries() if e.msgid}
            if mo != po:
                problems.append(f"{name}: the .mo differs from the .po (compilemessages)")
    # Django merges every catalogue into one: a string translated two ways shows only one of them.
    for key, by_catalogue in translations.items():
        if len(set(by_catalogue.values())) > 1:
            problems.append(f"{key[1]!r} (context {key[0]!r}) is translated differently in {sorted(by_catalogue)}")

    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "tree"
        shutil.copytree(
            root,
            copy,
            ignore=lambda directory, names: [
                n
                for n in names
                if n in {"__pycache__", ".ruff_cache", ".pytest_cache", "test-results", "media", *IGNORED}
                or os.path.join(directory, n).endswith("static/vendor")
            ],
            symlinks=True,
        )
        make_messages(copy)
        fresh = _catalogues(copy)
        for name in sorted(set(fresh) - set(committed)):
            problems.append(f"{name} is missing: run make messages")
        for name in sorted(set(committed) & set(fresh)):
            have = {_key(e) for e in polib.pofile(str(committed[name])) if not e.obsolete}
            want = {_key(e) for e in polib.pofile(str(fresh[name]))}
            for key in sorted(want - have, key=str):
                problems.append(f"{name}: {key[1]!r} is in the sources but not in the catalogue: run make messages")
            for key in sorted(have - want, key=str):
                problems.append(f"{name}: {key[1]!r} is no longer in the sources: run make messages")
    return problems

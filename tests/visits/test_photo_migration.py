"""The data migration: each visit's single photo becomes its first VisitPhoto, the file where it was."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import CustomerFactory
from visits.models import VisitPhoto

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("visits", "0006_visit_photos")]
AFTER = [("visits", "0008_visit_photo_fields_removed")]


def test_the_single_photo_of_each_visit_becomes_a_visit_photo(company, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Sheet, Visit = old.get_model("visits", "VisitSheet"), old.get_model("visits", "Visit")
    day = dt.date(2026, 3, 10)
    sheet = Sheet.objects.create(
        rep_id=company.rep_a.pk,
        team_id=company.team_a.pk,
        date=day,
        deadline=timezone.make_aware(dt.datetime(2026, 3, 10, 21)),
    )
    shop = CustomerFactory(team=company.team_a, owner=company.rep_a)
    checked_out = timezone.make_aware(dt.datetime(2026, 3, 10, 10, 5))
    (tmp_path / "visits/2026/03").mkdir(parents=True)
    (tmp_path / "visits/2026/03/shelf.png").write_bytes(b"\x89PNG shelf")
    with_photo = Visit.objects.create(
        sheet_id=sheet.pk,
        customer_id=shop.pk,
        check_in_at=checked_out - dt.timedelta(minutes=20),
        check_out_at=checked_out,
        latitude="31.230400",
        longitude="121.473700",
        photo="visits/2026/03/shelf.png",
        photo_sha256="",  # an old row without its fingerprint: read from the file
    )
    Visit.objects.create(sheet_id=sheet.pk, customer_id=shop.pk)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    (photo,) = VisitPhoto.objects.all()
    assert photo.visit_id == with_photo.pk and photo.file.name == "visits/2026/03/shelf.png"
    assert photo.sha256 == hashlib.sha256(b"\x89PNG shelf").hexdigest()
    assert photo.taken_at == checked_out and str(photo.latitude) == "31.230400"

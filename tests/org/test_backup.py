from __future__ import annotations

import uuid

import psycopg2
import pytest
from django.db import connection

from org.backup import backup, restore
from org.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _connect(db: dict, name: str):
    return psycopg2.connect(dbname=name, user=db["USER"], host=db["HOST"] or None, port=db["PORT"] or None)


def test_a_backup_restores_into_an_empty_database_with_the_same_rows(company, tmp_path) -> None:
    CustomerFactory(name="Round Trip 客户", team=company.team_a, owner=company.rep_a)
    dump = backup(tmp_path / "salesops.dump")
    assert dump.stat().st_size > 0

    source = connection.settings_dict
    scratch = f"restore_{uuid.uuid4().hex[:8]}"
    admin = _connect(source, "postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{scratch}"')
    try:
        restore(dump, database={**source, "NAME": scratch})
        restored = _connect(source, scratch)
        with restored, restored.cursor() as cursor:
            cursor.execute("SELECT name FROM org_customer")
            assert [row[0] for row in cursor.fetchall()] == ["Round Trip 客户"]
            cursor.execute("SELECT count(*) FROM auth_user")
            assert cursor.fetchone()[0] == type(company.rep_a).objects.count()
        restored.close()
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.close()
    assert Customer.objects.count() == 1

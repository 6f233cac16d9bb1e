from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from org.models import Customer, Membership, Product, Role, Team

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "teams": Team.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "customers": Customer.objects.count(),
        "products": Product.objects.count(),
    }


def test_the_demo_company_has_the_promised_shape(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", apps=["org"], stdout=StringIO())
    assert Team.objects.filter(kind=Team.Kind.COMPANY).count() == 1
    assert Team.objects.filter(kind=Team.Kind.REGION).count() == 2
    assert Team.objects.filter(kind=Team.Kind.TEAM).count() == 4
    assert Membership.objects.filter(role=Role.DIRECTOR).count() == 1
    assert Membership.objects.filter(role=Role.MANAGER).count() == 4
    assert Membership.objects.filter(role=Role.REP).count() == 24
    assert 280 <= Customer.objects.count() <= 320
    assert Product.objects.filter(is_new_line=True).exists() and Product.objects.filter(is_new_line=False).exists()
    assert Product.objects.count() == 20


def test_seeding_twice_adds_nothing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", apps=["org"], stdout=StringIO())
    first = counts()
    call_command("seed_demo", apps=["org"], stdout=StringIO())
    assert counts() == first

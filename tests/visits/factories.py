"""Factories of the visits app."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from tests.factories import CustomerFactory, ProductFactory
from visits.models import OrderLine, Visit, VisitReview, VisitSheet


def deadline_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(21, 0)))


class VisitSheetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitSheet

    date = factory.LazyFunction(timezone.localdate)
    deadline = factory.LazyAttribute(lambda sheet: deadline_of(sheet.date))


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    sheet = factory.SubFactory(VisitSheetFactory)
    customer = factory.SubFactory(CustomerFactory)
    planned = True
    purpose = Visit.Purpose.FOLLOW_UP


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    visit = factory.SubFactory(VisitFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = Decimal("1")
    amount = Decimal("10.00")


class VisitReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitReview

    visit = factory.SubFactory(VisitFactory)
    method = VisitReview.Method.CALL_BACK
    result = VisitReview.Result.CONFIRMED

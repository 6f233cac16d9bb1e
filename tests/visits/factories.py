"""Factories of the visits app."""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal

import factory
from django.utils import timezone
from PIL import Image

from tests.factories import CustomerFactory, ProductFactory
from visits.models import OrderLine, Visit, VisitPhoto, VisitReview, VisitSheet


def picture(
    width: int = 40, height: int = 30, *, kind: str = "PNG", seed: int = 0, noise: bool = False, **save
) -> bytes:
    """An image file's bytes; ``noise`` makes a camera-like picture that compresses badly."""
    if noise:
        image = Image.frombytes("RGB", (width, height), random.Random(seed).randbytes(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (seed * 37 % 256, 120, 200))
    buffer = io.BytesIO()
    image.save(buffer, kind, **save)
    return buffer.getvalue()


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


class VisitPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitPhoto

    file = factory.django.FileField(filename="shelf.png", data=b"\x89PNG\r\n\x1a\n")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    taken_at = factory.LazyFunction(timezone.now)

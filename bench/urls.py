"""The site's URLs plus /bench/floor/: the smallest Django view that runs one query (the stack's floor)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path

from org.models import Product
from salesops.urls import handler403  # noqa: F401
from salesops.urls import urlpatterns as site_patterns


def floor(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"product": Product.objects.order_by("pk").values_list("pk", flat=True).first()})


urlpatterns = [path("bench/floor/", floor, name="bench-floor"), *site_patterns]

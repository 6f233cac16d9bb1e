"""The visits API's serializers: what each endpoint reads and writes, with the fields' help for the OpenAPI schema."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers

from org.api import PersonNameField
from org.models import Product
from org.selectors import customer_list_for
from salesops.schema import PositionField
from visits import selectors
from visits.models import OrderLine, SaleRecord, Visit, VisitPhoto, VisitReview, VisitSheet


class OrderLineSerializer(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)

    class Meta:
        model = OrderLine
        fields = ["id", "visit", "product", "product_name", "quantity", "amount", "sale_record", "created_at"]
        read_only_fields = ["sale_record", "created_at"]
        # Range checks are the service's, so the API and the pages give the same messages.
        extra_kwargs = {"quantity": {"validators": []}}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["visit"].queryset = selectors.visit_list_for(user=request.user)
            self.fields["product"].queryset = Product.objects.filter(active=True)


class _LineProductField(serializers.PrimaryKeyRelatedField):
    """An active product by id, found among those its list read at once (else looked up as usual)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.read: dict[int, Product] = {}

    def to_internal_value(self, data):
        key = int(data) if type(data) is int or (type(data) is str and data.isdecimal()) else None
        if key in self.read:
            return self.read[key]
        return super().to_internal_value(data)  # not found, or not an id: the field's own errors


class _NewOrderLines(serializers.ListSerializer):
    """The lines' products read with one query, not one per line."""

    def to_internal_value(self, data):
        if isinstance(data, list):
            given = [item.get("product") for item in data if isinstance(item, dict)]
            ids = {int(i) for i in given if type(i) is int or (type(i) is str and i.isdecimal())}
            field = self.child.fields["product"]
            field.read = field.get_queryset().in_bulk(ids) if ids else {}
        return super().to_internal_value(data)


class NewOrderLineSerializer(serializers.Serializer):
    product = _LineProductField(queryset=Product.objects.filter(active=True))
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)

    class Meta:
        list_serializer_class = _NewOrderLines


class VisitReviewSerializer(serializers.ModelSerializer):
    by_name = PersonNameField(source="by")

    class Meta:
        model = VisitReview
        fields = ["id", "visit", "by", "by_name", "method", "result", "note", "resolved_at", "created_at"]
        read_only_fields = ["by", "resolved_at", "created_at"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["visit"].queryset = selectors.visit_list_for(user=request.user)


class VisitPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("Where the photo can be read (scoped like the visit)."))

    class Meta:
        model = VisitPhoto
        fields = ["id", "url", "taken_at", "latitude", "longitude", "created_at"]

    def get_url(self, photo: VisitPhoto) -> str:
        return reverse("visits:photo", args=[photo.visit_id, photo.pk])


class VisitPhotoUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("A JPEG, PNG, WebP, GIF or HEIC image (larger ones are shrunk to 1,600 px on the long side).")
    )
    taken_at = serializers.DateTimeField(required=False, allow_null=True, help_text=_("When it was taken."))
    latitude = serializers.DecimalField(max_digits=12, decimal_places=6, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=12, decimal_places=6, required=False, allow_null=True)


class VisitWarningSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=_(
            "What to look at, the same in every language: customer_already_on_sheet (the customer has another "
            "visit on this sheet; remove one if it was a mistake)."
        )
    )
    message = serializers.CharField(help_text=_("The warning as the sheet shows it, in the request's language."))


class VisitSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    order_lines = OrderLineSerializer(many=True, read_only=True)
    photos = VisitPhotoSerializer(many=True, read_only=True)
    reviews = VisitReviewSerializer(many=True, read_only=True)
    warnings = serializers.SerializerMethodField(
        help_text=_("Warnings about the visit just planned (the write was made all the same); empty otherwise.")
    )

    class Meta:
        model = Visit
        fields = [
            "id",
            "sheet",
            "customer",
            "customer_name",
            "planned",
            "planned_time",
            "purpose",
            "check_in_at",
            "check_out_at",
            "latitude",
            "longitude",
            "accuracy_m",
            "distance_m",
            "location_status",
            "outcome",
            "next_step",
            "next_visit_date",
            "is_new_customer",
            "is_new_outlet",
            "undone_reason",
            "photos",
            "order_lines",
            "reviews",
            "warnings",
        ]
        read_only_fields = [
            "check_in_at",
            "check_out_at",
            "latitude",
            "longitude",
            "accuracy_m",
            "distance_m",
            "location_status",
            "undone_reason",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            # Which sheet and customer a visit belongs to is fixed once it exists.
            self.fields["sheet"].read_only = True
            self.fields["customer"].read_only = True
            return
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["sheet"].queryset = selectors.sheet_list_for(user=request.user)
            self.fields["customer"].queryset = customer_list_for(user=request.user)

    @extend_schema_field(VisitWarningSerializer(many=True))
    def get_warnings(self, visit: Visit) -> list[dict[str, str]]:
        found: list[selectors.PlanWarning] = getattr(visit, "plan_warnings", [])
        return [{"code": warning.code, "message": warning.message} for warning in found]


class VisitCheckInSerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, allow_null=True, help_text=_("Defaults to now."))
    # Wide enough to reach the service, which gives the one translated message for out-of-range values.
    latitude = PositionField(max_digits=12, decimal_places=6, required=False, allow_null=True)
    longitude = PositionField(max_digits=12, decimal_places=6, required=False, allow_null=True)
    accuracy_m = serializers.DecimalField(max_digits=9, decimal_places=1, required=False, allow_null=True)


class VisitCheckOutSerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, allow_null=True, help_text=_("Defaults to now."))
    outcome = serializers.CharField(required=False, allow_blank=True)
    next_step = serializers.CharField(required=False, allow_blank=True, max_length=300)
    next_visit_date = serializers.DateField(required=False, allow_null=True)
    is_new_customer = serializers.BooleanField(required=False, allow_null=True, default=None)
    is_new_outlet = serializers.BooleanField(required=False, allow_null=True, default=None)
    order_lines = NewOrderLineSerializer(many=True, required=False)


class VisitSheetSerializer(serializers.ModelSerializer):
    rep_name = PersonNameField(source="rep")
    visits = VisitSerializer(many=True, read_only=True)

    class Meta:
        model = VisitSheet
        fields = [
            "id",
            "rep",
            "rep_name",
            "team",
            "date",
            "status",
            "deadline",
            "submitted_at",
            "is_late",
            "reopened",
            "manager_comment",
            "version",
            "visits",
        ]
        read_only_fields = [name for name in fields if name != "date"]
        extra_kwargs = {"date": {"required": False}}


class UndoneReasonSerializer(serializers.Serializer):
    visit = serializers.IntegerField(help_text=_("A planned visit of the sheet not checked out."))
    reason = serializers.CharField(max_length=300, help_text=_("Why it was not made."))


class SheetSubmitSerializer(serializers.Serializer):
    undone_reasons = UndoneReasonSerializer(many=True, required=False)


class SheetCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    version = serializers.IntegerField(required=False, help_text="The version read; a stale one is refused (409).")


class SaleRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = SaleRecord
        fields = [
            "id",
            "external_id",
            "date",
            "rep",
            "team",
            "customer",
            "product",
            "quantity",
            "amount",
            "source",
            "created_at",
        ]


class SaleLineSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    date = serializers.CharField(help_text="YYYY-MM-DD")
    rep = serializers.CharField(help_text=_("username"))
    customer = serializers.CharField(help_text=_("customer code"))
    product = serializers.CharField(help_text=_("product code"))
    quantity = serializers.CharField()
    amount = serializers.CharField()


class SaleImportSerializer(serializers.Serializer):
    rows = SaleLineSerializer(many=True, required=False)


class SaleImportFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("A .csv or .xlsx file instead of rows"))


class SaleImportResultSerializer(serializers.Serializer):
    applied = serializers.BooleanField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField())

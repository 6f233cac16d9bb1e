"""REST API of the visits app, shaped for a mobile client: serializers check shape, services hold the rules.

Every POST honours an ``Idempotency-Key`` header (org.idempotency), so a retried request creates nothing twice.
"""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from org.idempotency import IdempotentMixin
from org.permissions import HasRole
from salesops.parsers import JSONParser
from salesops.schema import ValidationErrorSerializer, conflict_of
from visits import excel, selectors
from visits.models import OrderLine, SaleRecord, Visit, VisitPhoto, VisitReview, VisitSheet
from visits.serializers import (
    OrderLineSerializer,
    SaleImportFileSerializer,
    SaleImportResultSerializer,
    SaleImportSerializer,
    SaleRecordSerializer,
    SheetCommentSerializer,
    SheetSubmitSerializer,
    VisitCheckInSerializer,
    VisitCheckOutSerializer,
    VisitPhotoSerializer,
    VisitPhotoUploadSerializer,
    VisitReviewSerializer,
    VisitSerializer,
    VisitSheetSerializer,
)
from visits.services import manager_review, rep_day, sales_import, visit_photos

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string; a retried POST with the same key returns the first response and creates nothing.",
)


def _visit_children() -> tuple[Prefetch, str, Prefetch]:
    return (
        Prefetch("order_lines", queryset=OrderLine.objects.select_related("product")),
        "photos",
        Prefetch("reviews", queryset=VisitReview.objects.select_related("by")),
    )


def _visits_prefetch() -> Prefetch:
    return Prefetch("visits", queryset=Visit.objects.select_related("customer").prefetch_related(*_visit_children()))


class SheetFilter(filters.FilterSet):
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = VisitSheet
        fields = ["date", "rep", "team", "status", "is_late"]


@extend_schema_view(
    create=extend_schema(
        parameters=[IDEMPOTENCY_HEADER],
        description="Open the caller's sheet of a day (today by default); returns the existing one if there is.",
        responses={
            200: OpenApiResponse(VisitSheetSerializer, description="The sheet of that day was already open."),
            201: OpenApiResponse(VisitSheetSerializer, description="The sheet was opened."),
        },
    )
)
class VisitSheetViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = VisitSheetSerializer
    permission_classes = [HasRole]
    filterset_class = SheetFilter

    def get_queryset(self):
        return selectors.sheet_list_for(user=self.request.user).prefetch_related(_visits_prefetch())

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        day = serializer.validated_data.get("date") or timezone.localdate()
        was_there = VisitSheet.objects.filter(rep=request.user, date=day).exists()
        sheet = rep_day.sheet_open(rep=request.user, day=day)
        sheet = self.get_queryset().get(pk=sheet.pk)
        return Response(
            self.get_serializer(sheet).data, status=status.HTTP_200_OK if was_there else status.HTTP_201_CREATED
        )

    def _respond(self, sheet: VisitSheet) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=sheet.pk)).data)

    @extend_schema(request=SheetSubmitSerializer, parameters=[IDEMPOTENCY_HEADER], responses=VisitSheetSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Submit the sheet; after the company's deadline it is marked late. Each planned visit not made needs a
        reason (400 naming ``undone_reasons[<visit id>]`` otherwise)."""
        sheet = self.get_object()
        serializer = SheetSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reasons = {item["visit"]: item["reason"] for item in serializer.validated_data.get("undone_reasons", [])}
        sheet = rep_day.sheet_submit(by=request.user, sheet=sheet, undone_reasons=reasons)
        return self._respond(sheet)

    @extend_schema(request=None, parameters=[IDEMPOTENCY_HEADER], responses=VisitSheetSerializer)
    @action(detail=True, methods=["post"], url_path="copy-unfinished")
    def copy_unfinished(self, request: Request, pk: str) -> Response:
        """Copy the planned visits not finished on the previous sheet."""
        rep_day.sheet_copy_unfinished(by=request.user, sheet=self.get_object())
        return self._respond(self.get_object())

    @extend_schema(
        request=SheetCommentSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: VisitSheetSerializer, 409: conflict_of(VisitSheetSerializer)},
    )
    @action(detail=True, methods=["post"])
    def comment(self, request: Request, pk: str) -> Response:
        """The manager's comment on the sheet."""
        serializer = SheetCommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sheet = self.get_object()
        sheet = manager_review.sheet_comment(
            by=request.user,
            sheet=sheet,
            comment=serializer.validated_data["comment"],
            expected_version=serializer.validated_data.get("version"),
        )
        return self._respond(sheet)

    @extend_schema(
        request=SheetCommentSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: VisitSheetSerializer, 409: conflict_of(VisitSheetSerializer)},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        """Give a submitted sheet back to the rep."""
        serializer = SheetCommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sheet = self.get_object()
        sheet = manager_review.sheet_reopen(
            by=request.user,
            sheet=sheet,
            comment=serializer.validated_data["comment"],
            expected_version=serializer.validated_data.get("version"),
        )
        return self._respond(sheet)


class VisitFilter(filters.FilterSet):
    date = filters.DateFilter(field_name="sheet__date")

    class Meta:
        model = Visit
        fields = ["sheet", "customer", "planned", "purpose"]


@extend_schema_view(
    create=extend_schema(parameters=[IDEMPOTENCY_HEADER], request={"application/json": VisitSerializer}),
    partial_update=extend_schema(request={"application/json": VisitSerializer}),
)
class VisitViewSet(IdempotentMixin, viewsets.ModelViewSet):
    serializer_class = VisitSerializer
    permission_classes = [HasRole]
    filterset_class = VisitFilter
    parser_classes = [JSONParser]  # the photo upload alone is multipart (VisitViewSet.photos)
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        visits = selectors.visit_list_for(user=self.request.user)
        if self.action in ("list", "retrieve"):
            return visits.prefetch_related(*_visit_children())
        return visits  # a write reloads the visit in its service and answers with _respond

    def filter_queryset(self, queryset):
        # The list's query filters narrow lists; a write names its visit by id (and is scoped all the same).
        if self.action in ("check_in", "check_out", "partial_update", "destroy", "photos", "photo_remove"):
            return queryset
        return super().filter_queryset(queryset)

    def _respond(self, visit: Visit, code: int = status.HTTP_200_OK, *, loaded: Visit | None = None) -> Response:
        """The visit a service returned, as the API shows it: its order lines, photos and reviews as the service
        left them on it (the check-out's, from what it wrote), else read; the customer taken from the visit the
        request loaded."""
        if loaded is not None and visit.customer_id == loaded.customer_id:
            visit.customer = loaded.customer
        prefetch_related_objects([visit], *_visit_children())
        return Response(self.get_serializer(visit).data, status=code)

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        visit = rep_day.visit_plan(
            by=request.user,
            sheet=data["sheet"],
            customer=data["customer"],
            purpose=data.get("purpose", Visit.Purpose.FOLLOW_UP),
            planned_time=data.get("planned_time"),
            planned=data.get("planned", True),
        )
        visit.plan_warnings = selectors.visit_plan_warnings(visit=visit)  # what the sheet shows after planning
        return self._respond(visit, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        visit = rep_day.visit_record(
            by=request.user,
            visit=serializer.instance,
            **{
                name: data.get(name)
                for name in (
                    "outcome",
                    "next_step",
                    "next_visit_date",
                    "is_new_customer",
                    "is_new_outlet",
                    "purpose",
                    "planned_time",
                )
            },
        )
        return self._respond(visit, loaded=serializer.instance)

    def destroy(self, request: Request, pk: str) -> Response:
        rep_day.visit_remove(by=request.user, visit=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=VisitCheckInSerializer, parameters=[IDEMPOTENCY_HEADER], responses=VisitSerializer)
    @action(detail=True, methods=["post"], url_path="check-in", parser_classes=[JSONParser])
    def check_in(self, request: Request, pk: str) -> Response:
        """Arrive at the visit, with the phone's position and its accuracy if known."""
        serializer = VisitCheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        loaded = self.get_object()
        visit = rep_day.visit_check_in(
            by=request.user,
            visit=loaded,
            at=data.get("at"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            accuracy_m=data.get("accuracy_m"),
        )
        return self._respond(visit, loaded=loaded)

    @extend_schema(request=VisitCheckOutSerializer, parameters=[IDEMPOTENCY_HEADER], responses=VisitSerializer)
    @action(detail=True, methods=["post"], url_path="check-out", parser_classes=[JSONParser])
    def check_out(self, request: Request, pk: str) -> Response:
        """Leave the visit, with its outcome and order lines (all stored, or none)."""
        serializer = VisitCheckOutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        loaded = self.get_object()
        visit = rep_day.visit_check_out(by=request.user, visit=loaded, **serializer.validated_data)
        return self._respond(visit, loaded=loaded)

    @extend_schema(
        methods=["GET"], request=None, responses=VisitPhotoSerializer(many=True), description="The visit's photos."
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": VisitPhotoUploadSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: VisitPhotoSerializer},
        description=(
            "Add a photo to a visit that was checked in (at most 3 a visit; each upload counts against the rep's "
            "daily quota)."
        ),
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser])
    def photos(self, request: Request, pk: str) -> Response:
        visit = self.get_object()
        if request.method == "GET":
            return Response(VisitPhotoSerializer(visit.photos.all(), many=True).data)
        visit_photos.visit_photos_writable(by=request.user, visit=visit)  # a refused writer hears so before the body
        serializer = VisitPhotoUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        photo = visit_photos.visit_photo_add(
            by=request.user,
            visit=visit,
            photo=visit_photos.PhotoUpload(
                file=data["file"],
                taken_at=data.get("taken_at"),
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
            ),
        )
        return Response(VisitPhotoSerializer(photo).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None}, description="Remove a photo; its file is deleted.")
    @action(detail=True, methods=["delete"], url_path=r"photos/(?P<photo_id>\d+)")
    def photo_remove(self, request: Request, pk: str, photo_id: str) -> Response:
        photo = get_object_or_404(VisitPhoto, pk=photo_id, visit=self.get_object())
        visit_photos.visit_photo_remove(by=request.user, photo=photo)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(create=extend_schema(parameters=[IDEMPOTENCY_HEADER]))
class OrderLineViewSet(
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = OrderLineSerializer
    permission_classes = [HasRole]
    filterset_fields = ["visit", "product"]

    def get_queryset(self):
        visits = selectors.visit_list_for(user=self.request.user)
        return OrderLine.objects.filter(visit__in=visits).select_related("product")

    def perform_create(self, serializer: OrderLineSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = rep_day.order_line_add(
            by=self.request.user,
            visit=data["visit"],
            product=data["product"],
            quantity=data["quantity"],
            amount=data.get("amount"),
        )

    def perform_destroy(self, instance: OrderLine) -> None:
        rep_day.order_line_remove(by=self.request.user, line=instance)


class ReviewFilter(filters.FilterSet):
    open = filters.BooleanFilter(field_name="resolved_at", lookup_expr="isnull")

    class Meta:
        model = VisitReview
        fields = ["visit", "method", "result"]


@extend_schema_view(create=extend_schema(parameters=[IDEMPOTENCY_HEADER]))
class VisitReviewViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = VisitReviewSerializer
    permission_classes = [HasRole]
    filterset_class = ReviewFilter

    def get_queryset(self):
        return selectors.review_list_for(user=self.request.user)

    def perform_create(self, serializer: VisitReviewSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = manager_review.visit_review_create(
            by=self.request.user,
            visit=data["visit"],
            method=data["method"],
            result=data["result"],
            note=data.get("note", ""),
        )

    @extend_schema(request=None, parameters=[IDEMPOTENCY_HEADER], responses=VisitReviewSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        """Mark a discrepancy as followed up."""
        review = manager_review.visit_review_resolve(by=request.user, review=self.get_object())
        return Response(self.get_serializer(review).data)


class SaleRecordFilter(filters.FilterSet):
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = SaleRecord
        fields = ["rep", "team", "customer", "product", "source", "external_id"]


class SaleRecordViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SaleRecordSerializer
    permission_classes = [HasRole]
    filterset_class = SaleRecordFilter
    parser_classes = [JSONParser, MultiPartParser]

    def get_queryset(self):
        return selectors.sale_record_list_for(user=self.request.user)

    @extend_schema(
        # Rows as JSON from another system, or the ERP's file as multipart.
        request={"application/json": SaleImportSerializer, "multipart/form-data": SaleImportFileSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            200: SaleImportResultSerializer,
            400: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="SaleImportRefusal",
                    serializers=[SaleImportResultSerializer, ValidationErrorSerializer],
                    resource_type_field_name=None,
                ),
                description="The refused import's result with its row errors, or field errors.",
            ),
        },
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_lines(self, request: Request) -> Response:
        """Insert or update ERP sales lines by external id; with any bad row nothing is applied (400)."""
        upload = request.FILES.get("file")
        if upload is not None:
            rows, source = excel.sale_rows_from_file(upload=upload), SaleRecord.Source.ERP
        else:
            serializer = SaleImportSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            rows, source = serializer.validated_data.get("rows", []), SaleRecord.Source.API
        result = sales_import.sale_records_import(by=request.user, rows=rows, source=source)
        body = {
            "applied": result.applied,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "errors": result.errors,
        }
        return Response(body, status=status.HTTP_200_OK if result.applied else status.HTTP_400_BAD_REQUEST)

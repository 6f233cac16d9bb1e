"""REST API of the reports: progress snapshots and execution KPIs (read-only, scoped), alerts (mark read)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from org.idempotency import IdempotentMixin
from org.permissions import HasRole, ReadAnyWriteDirector
from reports import selectors, services
from reports.models import Alert, ExecutionKpiSnapshot, PeriodKind, ProgressSnapshot
from salesops.formatting import metric_number, name_of
from salesops.routers import reading_from_replica
from targets.models import ClosedMonth


class ProgressSnapshotSerializer(serializers.ModelSerializer):
    metric_code = serializers.CharField(source="metric.code", read_only=True)
    owner_name = serializers.CharField(read_only=True)

    class Meta:
        model = ProgressSnapshot
        fields = [
            "id", "as_of", "owner_key", "owner_name", "team", "rep", "metric", "metric_code", "period_kind",
            "period_start", "period_end", "target", "actual", "achievement", "time_progress", "days_elapsed",
            "days_total", "plan_progress", "gap_pp", "status", "forecast", "forecast_seasonal", "forecast_last_year",
            "required_daily_rate", "rank", "flags", "computed_at",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, instance: ProgressSnapshot) -> dict:
        return _figures_in_unit(super().to_representation(instance), instance.metric.unit)


# The snapshot's figures in the metric's unit: a count is a whole number ("15", not "15.00").
_METRIC_FIGURES = ("target", "actual", "forecast", "forecast_seasonal", "forecast_last_year")


def _figures_in_unit(item: dict, unit: str) -> dict:
    for name in _METRIC_FIGURES:
        if item.get(name) is not None:
            item[name] = metric_number(item[name], unit=unit)
    return item


class ExecutionKpiSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExecutionKpiSnapshot
        fields = [
            "id", "as_of", "owner_key", "team", "rep", "period_kind", "period_start", "period_end",
            "plan_completion_rate", "on_time_filing_rate", "quality_rate", "median_resolution_hours",
            "action_timeliness", "attendance_rate", "overdue_customers", "flags", "computed_at",
        ]  # fmt: skip
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    text = serializers.CharField(read_only=True)

    class Meta:
        model = Alert
        fields = ["id", "cause", "day", "level", "text", "subject_rep", "read_at", "created_at"]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False)


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many alerts this request marked read.")
    unread = serializers.IntegerField(help_text="How many of the user's alerts are still unread.")


class OwnerFilterSet(filters.FilterSet):
    """Filters shared by snapshots and KPIs: owner (team or rep), period, as-of range."""

    as_of_from = filters.DateFilter(field_name="as_of", lookup_expr="gte")
    as_of_to = filters.DateFilter(field_name="as_of", lookup_expr="lte")
    period = filters.ChoiceFilter(field_name="period_kind", choices=PeriodKind.choices)
    owner = filters.CharFilter(field_name="owner_key", help_text='"rep:<id>" or "team:<id>"')
    team = filters.NumberFilter(field_name="team")
    rep = filters.NumberFilter(field_name="rep")
    teams_only = filters.BooleanFilter(field_name="rep", lookup_expr="isnull")


class ProgressSnapshotFilter(OwnerFilterSet):
    metric = filters.NumberFilter(field_name="metric")
    metric_code = filters.CharFilter(field_name="metric__code")
    status = filters.CharFilter(field_name="status")

    class Meta:
        model = ProgressSnapshot
        fields = ["as_of"]


class ExecutionKpiFilter(OwnerFilterSet):
    class Meta:
        model = ExecutionKpiSnapshot
        fields = ["as_of"]


# The list's columns read with values(): the serializer's own fields format them, without a model instance per
# row (and its team, rep and metric); the related ids and names come from the joins.
_SNAPSHOT_JOINED = {"team": "team_id", "rep": "rep_id", "metric": "metric_id", "metric_code": "metric__code"}
_OWNER_COLUMNS = ("team__name", "rep__username", "rep__first_name", "rep__last_name", "metric__unit")


def _owner_name(row: dict) -> str:
    """OwnedRow.owner_name from a values() row: the rep's full name (or username), else the team's name."""
    if row["rep_id"]:
        return name_of(given=row["rep__first_name"], family=row["rep__last_name"], username=row["rep__username"])
    return row["team__name"]


@functools.cache
def _snapshot_columns() -> tuple[tuple[str, str | None, Callable | None], ...]:
    """(output name, values() key, formatter) of each field of ProgressSnapshotSerializer, built once: its fields
    hold no request state (a date-time is shown in the time zone current when it is formatted)."""
    columns = []
    for name, field in ProgressSnapshotSerializer().fields.items():
        if name == "owner_name":
            columns.append((name, None, None))
        elif name in _SNAPSHOT_JOINED:
            represent = field.to_representation if name == "metric_code" else None  # ids stay ints
            columns.append((name, _SNAPSHOT_JOINED[name], represent))
        else:
            columns.append((name, field.source, field.to_representation))
    return tuple(columns)


def _snapshot_list_data(rows) -> list[dict]:
    """What ProgressSnapshotSerializer(many=True) gives for ``rows`` (a values() queryset or its page)."""
    columns = _snapshot_columns()
    data = []
    for row in rows:
        item = {}
        for name, key, represent in columns:
            if key is None:
                item[name] = _owner_name(row)
            else:
                value = row[key]
                item[name] = represent(value) if represent is not None and value is not None else value
        data.append(_figures_in_unit(item, row["metric__unit"]))
    return data


class _CountedRows:
    """A values() queryset for the paginator, counted without the joins that only fetch the owners' names."""

    ordered = True

    def __init__(self, rows, *, count) -> None:
        self.rows, self.count = rows, count

    def __getitem__(self, key):
        return self.rows[key]

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class ProgressSnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    """Progress snapshots of published nights, scoped to what the user may see."""

    serializer_class = ProgressSnapshotSerializer
    permission_classes = [HasRole]
    filterset_class = ProgressSnapshotFilter

    def get_queryset(self):
        # The id last: a page boundary never falls between rows that sort alike.
        return selectors.snapshot_list_for(user=self.request.user).order_by(
            "-as_of", "metric__position", "owner_key", "id"
        )

    @reading_from_replica()
    def list(self, request: Request, *args, **kwargs) -> Response:
        keys = [key for _name, key, _represent in _snapshot_columns() if key is not None]
        filtered = self.filter_queryset(self.get_queryset())
        rows = _CountedRows(filtered.values(*keys, *_OWNER_COLUMNS), count=filtered.count)
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(_snapshot_list_data(rows))
        return self.get_paginated_response(_snapshot_list_data(page))

    @reading_from_replica()
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)


class ExecutionKpiViewSet(viewsets.ReadOnlyModelViewSet):
    """Execution KPI snapshots of published nights, scoped."""

    serializer_class = ExecutionKpiSerializer
    permission_classes = [HasRole]
    filterset_class = ExecutionKpiFilter

    def get_queryset(self):
        return selectors.kpi_list_for(user=self.request.user).order_by("-as_of", "owner_key")


class AlertViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The user's own alerts; POST mark_read with ids (or none: all)."""

    serializer_class = AlertSerializer
    permission_classes = [HasRole]
    filterset_fields = ["day", "level"]

    def get_queryset(self):
        return selectors.alert_list_for(user=self.request.user)

    @extend_schema(request=MarkReadSerializer, responses=MarkReadResultSerializer)
    @action(detail=False, methods=["post"])
    def mark_read(self, request: Request) -> Response:
        """Mark the given alerts read (no ids: all of them)."""
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changed = services.alert_mark_read(user=request.user, alert_ids=serializer.validated_data.get("ids"))
        return Response({"marked": changed, "unread": selectors.unread_alert_count(user=request.user)})


class ClosedMonthSerializer(serializers.ModelSerializer):
    closed_by = serializers.CharField(source="closed_by.username", read_only=True, default=None)
    reopened_by = serializers.CharField(source="reopened_by.username", read_only=True, default=None)
    is_closed = serializers.BooleanField(read_only=True)
    held_corrections = serializers.IntegerField(
        read_only=True,
        default=0,
        help_text=gettext_lazy(
            "Days of a team whose actuals changed after the close; they count once the month is reopened."
        ),
    )

    class Meta:
        model = ClosedMonth
        fields = [
            "id",
            "month",
            "night",
            "is_closed",
            "held_corrections",
            "closed_by",
            "closed_at",
            "reopened_by",
            "reopened_at",
            "reopen_reason",
        ]
        read_only_fields = [f for f in fields if f != "month"]
        extra_kwargs = {"month": {"validators": []}}  # a reopened month is closed again by the service


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ClosedMonthViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Months whose scores are frozen; a director closes a month that has ended (``month``: its first day) and
    reopens one with a reason."""

    serializer_class = ClosedMonthSerializer
    permission_classes = [ReadAnyWriteDirector]

    def get_queryset(self):
        return selectors.closed_month_list()

    def perform_create(self, serializer: ClosedMonthSerializer) -> None:
        serializer.instance = services.month_close(by=self.request.user, month=serializer.validated_data["month"])

    @extend_schema(request=ReasonSerializer, responses=ClosedMonthSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        month = self.get_object().month
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        closed = services.month_reopen(by=request.user, month=month, reason=serializer.validated_data["reason"])
        return Response(ClosedMonthSerializer(closed).data)

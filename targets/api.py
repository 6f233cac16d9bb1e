"""REST API of the targets app: serializers check shape, services hold the rules, org.scoping the reach."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from org.idempotency import IdempotentMixin
from org.models import Team
from org.permissions import HasRole, ReadAnyWriteDirector, ReadAnyWriteManagers
from org.selectors import rep_choices_for, team_list_for
from salesops.formatting import metric_number
from salesops.schema import StaleVersionSerializer, conflict_of
from targets import breakdown, selectors, services
from targets.models import (
    DistributionProfile,
    Metric,
    PendingChange,
    RampCheckpoint,
    RampPlan,
    Target,
    TargetChange,
    TargetPeriod,
)

User = get_user_model()


class MetricSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    precision = serializers.DecimalField(max_digits=4, decimal_places=2, read_only=True)

    class Meta:
        model = Metric
        fields = ["id", "code", "name", "label", "unit", "precision", "actual_kind", "product_group", "active"]
        read_only_fields = ["active"]


class ProfileSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = DistributionProfile
        fields = ["id", "name", "label", "kind", "weights"]


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = TargetPeriod
        fields = ["month", "value", "locked", "overridden"]


class PendingChangeSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None)

    class Meta:
        model = PendingChange
        fields = [
            "id",
            "target",
            "status",
            "requested_by",
            "requested_at",
            "reason",
            "old_annual",
            "new_annual",
            "old_months",
            "new_months",
            "old_profile",
            "new_profile",
            "decided_by",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields

    def to_representation(self, instance: PendingChange) -> dict:
        """Old and new values in the metric's unit: a count is a whole number ("10", not "10.00")."""
        data = super().to_representation(instance)
        unit = instance.target.metric.unit
        for name in ("old_annual", "new_annual"):
            data[name] = metric_number(data[name], unit=unit)
        for name in ("old_months", "new_months"):
            data[name] = [metric_number(value, unit=unit) for value in data[name]]
        return data


class TargetSerializer(serializers.ModelSerializer):
    periods = PeriodSerializer(many=True, read_only=True)
    quarters = serializers.SerializerMethodField()
    pending_change = serializers.SerializerMethodField(help_text="The change waiting for approval, if any.")
    closed_months = serializers.SerializerMethodField(help_text="Months that have ended: their values are kept.")

    class Meta:
        model = Target
        fields = [
            "id",
            "team",
            "rep",
            "metric",
            "fiscal_year",
            "annual_value",
            "profile",
            "parent",
            "status",
            "approved_by",
            "approved_at",
            "acknowledged_at",
            "version",
            "periods",
            "quarters",
            "pending_change",
            "closed_months",
        ]
        read_only_fields = fields

    @extend_schema_field(PendingChangeSerializer(allow_null=True))
    def get_pending_change(self, target: Target) -> dict | None:
        change = selectors.open_pending_change(target=target)
        return PendingChangeSerializer(change).data if change else None

    def get_closed_months(self, target: Target) -> list[int]:
        return sorted(selectors.closed_months(target.fiscal_year))

    def get_quarters(self, target: Target) -> list[str]:
        return [
            metric_number(v, unit=target.metric.unit) for v in breakdown.quarter_values(selectors.month_values(target))
        ]

    def to_representation(self, target: Target) -> dict:
        """Figures in the metric's unit: a count's year and months are whole numbers ("10", not "10.00")."""
        data = super().to_representation(target)
        unit = target.metric.unit
        data["annual_value"] = metric_number(target.annual_value, unit=unit)
        for period in data["periods"]:
            period["value"] = metric_number(period["value"], unit=unit)
        return data


class TargetCreateSerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.none(), required=False, allow_null=True)
    rep = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)
    metric = serializers.PrimaryKeyRelatedField(queryset=Metric.objects.all())
    fiscal_year = serializers.IntegerField(min_value=2000, max_value=2100)
    annual_value = serializers.DecimalField(max_digits=16, decimal_places=2)
    profile = serializers.PrimaryKeyRelatedField(
        queryset=DistributionProfile.objects.all(), required=False, allow_null=True
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["team"].queryset = team_list_for(user=request.user)
            self.fields["rep"].queryset = rep_choices_for(user=request.user)


class TargetUpdateSerializer(serializers.Serializer):
    annual_value = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    profile = serializers.PrimaryKeyRelatedField(
        queryset=DistributionProfile.objects.all(), required=False, allow_null=True
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)


class MonthOverrideSerializer(serializers.Serializer):
    month = serializers.IntegerField(min_value=1, max_value=12)
    value = serializers.DecimalField(max_digits=16, decimal_places=2)
    mode = serializers.ChoiceField(
        choices=[
            (services.RESPREAD, gettext_lazy("Re-spread the rest")),
            (services.CHANGE_ANNUAL, gettext_lazy("Change the annual value")),
        ],
        default=services.RESPREAD,
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)


class ReopenSerializer(serializers.Serializer):
    month = serializers.IntegerField(min_value=1, max_value=12)
    value = serializers.DecimalField(max_digits=16, decimal_places=2)
    reason = serializers.CharField()


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AllocateSerializer(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=[
            ("hand", gettext_lazy("By hand")),
            ("equal", gettext_lazy("Equally")),
            ("shares", gettext_lazy("By the shares entered (%)")),
            ("last_year", gettext_lazy("By last year's actuals")),
        ]
    )
    children = serializers.ListField(
        child=serializers.RegexField(r"^(team|rep):\d+$"),
        help_text='"team:<id>" or "rep:<id>"; empty means every child of the grid',
        required=False,
    )
    values = serializers.DictField(child=serializers.DecimalField(max_digits=16, decimal_places=2), required=False)
    shares = serializers.DictField(child=serializers.DecimalField(max_digits=7, decimal_places=4), required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    versions = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        required=False,
        help_text='The versions you saw: "parent" and each child\'s key (null: no target yet); a row changed since '
        "is refused by name with 409 and nothing is allocated.",
    )


class AllocationSerializer(serializers.Serializer):
    parent_year = serializers.DecimalField(max_digits=16, decimal_places=2)
    allocated_year = serializers.DecimalField(max_digits=16, decimal_places=2)
    remainder_year = serializers.DecimalField(max_digits=16, decimal_places=2)
    parent_months = serializers.ListField(child=serializers.DecimalField(max_digits=16, decimal_places=2))
    allocated_months = serializers.ListField(child=serializers.DecimalField(max_digits=16, decimal_places=2))
    remainder_months = serializers.ListField(child=serializers.DecimalField(max_digits=16, decimal_places=2))
    over_allocated = serializers.BooleanField()


class ChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.CharField(source="changed_by.username")

    class Meta:
        model = TargetChange
        fields = ["id", "changed_by", "changed_at", "field", "month", "old_value", "new_value", "reason"]


class MetricViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The metrics targets are set on; a director adds one (optionally for a product group)."""

    serializer_class = MetricSerializer
    permission_classes = [ReadAnyWriteDirector]

    def get_queryset(self):
        return selectors.metric_list(active_only=False)

    def perform_create(self, serializer: MetricSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.metric_create(
            by=self.request.user,
            code=data["code"],
            name=data["name"],
            unit=data.get("unit", Metric.Unit.MONEY),
            actual_kind=data["actual_kind"],
            product_group=data.get("product_group", ""),
        )


class ProfileViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Distribution profiles; seasonal weights are 12 percentages totalling 100."""

    serializer_class = ProfileSerializer
    permission_classes = [ReadAnyWriteManagers]

    def get_queryset(self):
        return selectors.profile_list()

    def perform_create(self, serializer: ProfileSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.profile_create(
            by=self.request.user, name=data["name"], kind=data["kind"], weights=data.get("weights", [])
        )


class TargetFilter(filters.FilterSet):
    class Meta:
        model = Target
        fields = ["fiscal_year", "metric", "team", "rep", "status", "parent"]


class TargetViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Targets with their months; a rep sees only their own."""

    serializer_class = TargetSerializer
    permission_classes = [HasRole]
    filterset_class = TargetFilter

    def get_queryset(self):
        return selectors.target_list_for(user=self.request.user)

    def _reply(self, target: Target, code: int = status.HTTP_200_OK) -> Response:
        return Response(TargetSerializer(self.get_queryset().get(pk=target.pk)).data, status=code)

    @extend_schema(request=TargetCreateSerializer, responses=TargetSerializer)
    def create(self, request: Request) -> Response:
        serializer = TargetCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        target = services.target_create(by=request.user, **serializer.validated_data)
        return self._reply(target, status.HTTP_201_CREATED)

    @extend_schema(
        request=TargetUpdateSerializer, responses={200: TargetSerializer, 409: conflict_of(TargetSerializer)}
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        target = self.get_object()
        serializer = TargetUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = services.target_update(
            by=request.user,
            target=target,
            reason=data["reason"],
            expected_version=data.get("version"),
            **{name: data[name] for name in ("profile", "annual_value") if name in data},
        )
        return self._reply(target)

    @extend_schema(
        request=MonthOverrideSerializer, responses={200: TargetSerializer, 409: conflict_of(TargetSerializer)}
    )
    @action(detail=True, methods=["post"])
    def months(self, request: Request, pk: str) -> Response:
        """Set one month by hand: re-spread the rest over later months or change the annual value."""
        target = self.get_object()
        serializer = MonthOverrideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = services.target_override_month(
            by=request.user,
            target=target,
            month=data["month"],
            value=data["value"],
            mode=data["mode"],
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        return self._reply(target)

    @extend_schema(request=ReopenSerializer, responses=TargetSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ReadAnyWriteDirector])
    def reopen(self, request: Request, pk: str) -> Response:
        """A director changes one closed month, with a reason; the next night recomputes its periods."""
        target = self.get_object()
        serializer = ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = services.target_reopen_month(by=request.user, target=target, **serializer.validated_data)
        return self._reply(target)

    @extend_schema(request=None, responses=TargetSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        target = services.target_approve(by=request.user, target=self.get_object())
        return self._reply(target)

    @extend_schema(request=None, responses=TargetSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        """The rep who owns the approved target acknowledges it."""
        target = services.target_acknowledge(by=request.user, target=self.get_object())
        return self._reply(target)

    @extend_schema(responses=ChangeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str) -> Response:
        """Every change since approval: who, when, old, new and why."""
        changes = selectors.target_history(target=self.get_object())
        return Response(ChangeSerializer(changes, many=True).data)

    @extend_schema(
        methods=["GET"], request=None, responses=AllocationSerializer, description="Parent vs allocated children."
    )
    @extend_schema(
        methods=["POST"],
        request=AllocateSerializer,
        responses={
            200: inline_serializer("AllocationResult", {"children": TargetSerializer(many=True)}),
            409: StaleVersionSerializer,
        },
        description="Allocate a team target to child teams or reps: by hand, equally, by shares or by last year.",
    )
    @action(detail=True, methods=["get", "post"])
    def allocation(self, request: Request, pk: str) -> Response:
        parent = self.get_object()
        if request.method == "GET":
            return Response(AllocationSerializer(selectors.allocation_summary(parent=parent)).data)
        serializer = AllocateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        grid = selectors.grid_for(user=request.user, team=parent.team, year=parent.fiscal_year, metric=parent.metric)
        by_key = {row.key: (row.team if row.rep is None else row.rep) for row in grid.rows}
        keys = data.get("children") or list(by_key)
        unknown = [key for key in keys if key not in by_key]
        if unknown:
            raise ValidationError({"children": [_("Not a member of this team: %(keys)s") % {"keys": unknown}]})
        children = services.target_allocate(
            by=request.user,
            parent=parent,
            children=[by_key[key] for key in keys],
            method=data["method"],
            values=data.get("values"),
            shares=data.get("shares"),
            reason=data["reason"],
            versions=data.get("versions"),
        )
        return Response(
            {"children": TargetSerializer(self.get_queryset().filter(pk__in=[c.pk for c in children]), many=True).data}
        )


class PendingChangeViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Changes of approved targets waiting for the approver; the approver approves or rejects them."""

    serializer_class = PendingChangeSerializer
    permission_classes = [HasRole]

    def get_queryset(self):
        return selectors.pending_changes_for(user=self.request.user)

    @extend_schema(request=DecisionSerializer, responses=TargetSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """The change takes effect now; the rep acknowledges the target again."""
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = services.pending_change_approve(
            by=request.user, change=self.get_object(), reason=serializer.validated_data["reason"]
        )
        return Response(TargetSerializer(selectors.target_list_for(user=request.user).get(pk=target.pk)).data)

    @extend_schema(request=DecisionSerializer, responses=PendingChangeSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        """The approved values stay; a reason is required."""
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = services.pending_change_reject(
            by=request.user, change=self.get_object(), reason=serializer.validated_data["reason"]
        )
        return Response(PendingChangeSerializer(change).data)


class RampCheckpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = RampCheckpoint
        fields = ["day", "visits", "new_customers", "amount"]


class RampPlanSerializer(serializers.ModelSerializer):
    checkpoints = RampCheckpointSerializer(many=True)
    start_date = serializers.DateField(required=False)

    class Meta:
        model = RampPlan
        fields = ["id", "rep", "team", "start_date", "checkpoints"]
        read_only_fields = ["team"]
        validators = []  # the service keeps one plan per rep and start date

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["rep"].queryset = rep_choices_for(user=request.user)


class RampPlanViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """A new rep's 30/60/90-day targets from their membership start; a rep sees their own."""

    serializer_class = RampPlanSerializer
    permission_classes = [ReadAnyWriteManagers]
    filterset_fields = ["rep", "team"]

    def get_queryset(self):
        return selectors.ramp_plans_for(user=self.request.user)

    def perform_create(self, serializer: RampPlanSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.ramp_plan_create(
            by=self.request.user,
            rep=data["rep"],
            start_date=data.get("start_date"),
            checkpoints={c["day"]: c for c in data["checkpoints"]},
        )

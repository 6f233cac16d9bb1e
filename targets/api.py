"""REST API of the targets app: serializers check shape, services hold the rules, org.scoping the reach."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from org.idempotency import IdempotentMixin
from org.permissions import HasRole, ReadAnyWriteDirector, ReadAnyWriteManagers
from salesops.schema import StaleVersionSerializer, conflict_of
from targets import selectors, services
from targets.models import (
    Metric,
    Target,
)
from targets.serializers import (
    AllocateSerializer,
    AllocationSerializer,
    ChangeSerializer,
    DecisionSerializer,
    MetricSerializer,
    MonthOverrideSerializer,
    PendingChangeSerializer,
    ProfileSerializer,
    RampPlanSerializer,
    ReopenSerializer,
    TargetCreateSerializer,
    TargetSerializer,
    TargetUpdateSerializer,
)


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

"""The targets API's serializers: what each endpoint reads and writes, with the fields' help for the OpenAPI schema."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from org.models import Team
from org.selectors import rep_choices_for, team_list_for
from salesops.formatting import metric_number
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

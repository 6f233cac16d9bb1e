"""REST API of the org app: serializers check shape, services hold the rules, org.scoping the reach."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from org import selectors, services, tokens
from org.auth import lockout_response
from org.calendar import day_name
from org.forms import FIRST_ORDER_DATE_VALIDATORS
from org.idempotency import IdempotentMixin
from org.models import ApiToken, Customer, Membership, Product, Team, WorkCalendarDay
from org.permissions import HasRole, ReadAnyWriteDirector
from org.scoping import scope_for
from salesops.client_ip import TokenLoginThrottle
from salesops.formatting import display_name
from salesops.parsers import JSONParser
from salesops.schema import ErrorSerializer, PositionField, YearFilter


@extend_schema_field(OpenApiTypes.STR)
class PersonNameField(serializers.ReadOnlyField):
    """A user's display name (王芳, Anna Smith), the same as on the pages; its source is the user."""

    def to_representation(self, value) -> str:
        return display_name(value)


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "code", "kind", "parent", "depth"]


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = PersonNameField(source="user")

    class Meta:
        model = Membership
        fields = ["id", "user", "username", "full_name", "team", "role", "valid_from", "valid_to"]


class CustomerSerializer(serializers.ModelSerializer):
    latitude = PositionField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True
    )
    longitude = PositionField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False, allow_null=True
    )
    first_order_date_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Why a manager sets the first order date by hand (kept in the audit log); needed with that date.",
    )

    class Meta:
        model = Customer
        fields = [
            "id",
            *services.CUSTOMER_FIELDS,
            "first_order_date",
            "first_order_date_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"owner": {"required": False}, "first_order_date": {"validators": FIRST_ORDER_DATE_VALIDATORS}}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            # Unknown or out-of-scope teams and owners are "does not exist", never "forbidden".
            self.fields["team"].queryset = selectors.team_list_for(user=request.user)
            self.fields["owner"].queryset = selectors.rep_choices_for(user=request.user)
            if scope_for(request.user).is_rep:  # set by the customer's first order; a manager corrects it
                self.fields["first_order_date"].read_only = True


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "code", "name", "group", "is_new_line", "unit_price", "active"]


class CalendarDaySerializer(serializers.ModelSerializer):
    holiday = serializers.CharField(
        read_only=True, help_text="The statutory holiday the day belongs to (e.g. spring_festival), or empty."
    )
    name = serializers.SerializerMethodField(help_text="The day's holiday in the request's language, or its note.")

    class Meta:
        model = WorkCalendarDay
        fields = ["date", "is_working", "kind", "holiday", "name", "note"]
        read_only_fields = ["date", "kind"]

    def get_name(self, day: WorkCalendarDay) -> str:
        return day_name(holiday=day.holiday, note=day.note)


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TeamSerializer
    permission_classes = [HasRole]

    def get_queryset(self):
        return selectors.team_list_for(user=self.request.user)


class MembershipFilter(filters.FilterSet):
    class Meta:
        model = Membership
        fields = ["team", "role", "user"]


class MemberViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MembershipSerializer
    permission_classes = [HasRole]
    filterset_class = MembershipFilter

    def get_queryset(self):
        return selectors.membership_list_for(user=self.request.user)


class CustomerFilter(filters.FilterSet):
    search = filters.CharFilter(method="filter_search")

    class Meta:
        model = Customer
        fields = ["team", "owner", "kind", "tier"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(name__icontains=value)


class CustomerViewSet(
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CustomerSerializer
    permission_classes = [HasRole]
    filterset_class = CustomerFilter

    def get_queryset(self):
        return selectors.customer_list_for(user=self.request.user)

    def perform_create(self, serializer: CustomerSerializer) -> None:
        serializer.instance = services.customer_create(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: CustomerSerializer) -> None:
        services.customer_update(by=self.request.user, customer=serializer.instance, **serializer.validated_data)


class ProductViewSet(
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProductSerializer
    permission_classes = [ReadAnyWriteDirector]
    filterset_fields = ["group", "is_new_line", "active"]

    def get_queryset(self):
        return selectors.product_list(active_only=False)


class CalendarFilter(filters.FilterSet):
    start = filters.DateFilter(field_name="date", lookup_expr="gte")
    end = filters.DateFilter(field_name="date", lookup_expr="lte")
    year = YearFilter(field_name="date", lookup_expr="year")

    class Meta:
        model = WorkCalendarDay
        fields = ["is_working", "kind"]


@extend_schema_view(
    update=extend_schema(description="A director marks a day as working or not."),
)
class CalendarViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CalendarDaySerializer
    permission_classes = [ReadAnyWriteDirector]
    filterset_class = CalendarFilter
    lookup_field = "date"
    lookup_value_regex = r"\d{4}-\d{2}-\d{2}"
    queryset = WorkCalendarDay.objects.all()

    def update(self, request: Request, date: str) -> Response:
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            raise ValidationError({"date": ["Enter a valid date."]}) from None
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = services.calendar_day_set(
            by=request.user,
            date=day,
            is_working=serializer.validated_data["is_working"],
            note=serializer.validated_data.get("note", ""),
        )
        return Response(CalendarDaySerializer(row).data)

    def get_object(self) -> WorkCalendarDay:
        try:
            day = dt.date.fromisoformat(self.kwargs["date"])
        except ValueError:
            raise Http404 from None
        return get_object_or_404(self.get_queryset(), date=day)


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='Send it as "Authorization: Token <token>".')
    expires_at = serializers.DateTimeField()


@extend_schema_view(
    post=extend_schema(
        responses={
            200: TokenIssuedSerializer,
            429: OpenApiResponse(ErrorSerializer, description="Too many failed logins: locked out for a while."),
        }
    )
)
class TokenLoginView(ObtainAuthToken):
    """Username and password → a new token for this device (shown once), valid for API_TOKEN_DAYS."""

    authentication_classes: list = []
    parser_classes = (JSONParser,)
    throttle_classes = [TokenLoginThrottle]

    def post(self, request: Request, *args, **kwargs) -> Response:
        """Sign in: a new API token for this device."""
        credentials = self.get_serializer(data=request.data)
        if not credentials.is_valid():
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            raise ValidationError(credentials.errors)
        device = request.META.get("HTTP_USER_AGENT", "")
        token, key = tokens.api_token_issue(user=credentials.validated_data["user"], device=device)
        return Response({"token": key, "expires_at": token.expires_at})


class ApiTokenSerializer(serializers.ModelSerializer):
    user_name = PersonNameField(source="user")

    class Meta:
        model = ApiToken
        fields = ["id", "user", "user_name", "prefix", "device", "created_at", "expires_at", "last_used_at"]
        read_only_fields = fields


class ApiTokenFilter(filters.FilterSet):
    user = filters.NumberFilter(field_name="user_id")

    class Meta:
        model = ApiToken
        fields = ["user"]


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own API tokens (a director: everyone's); deleting one revokes it at once."""

    serializer_class = ApiTokenSerializer
    permission_classes = [HasRole]
    filterset_class = ApiTokenFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's generation, with no signed-in user
            return ApiToken.objects.none()
        tokens_ = ApiToken.objects.select_related("user").filter(expires_at__gt=timezone.now())
        return tokens_ if scope_for(self.request.user).is_director else tokens_.filter(user=self.request.user)

    def perform_destroy(self, instance: ApiToken) -> None:
        tokens.api_token_revoke(token=instance, by=self.request.user)

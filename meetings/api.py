"""REST API of the meetings app: serializers check shape, services hold the rules, org.scoping the reach."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from meetings import selectors, services
from meetings.models import SLOT_FIELDS, Attendance, CheckIn, CoachingNote, CorrectiveAction, Meeting, Problem
from org.idempotency import IdempotentMixin
from org.permissions import HasRole
from org.selectors import rep_choices_for, team_list_for
from salesops.params import date_param

User = get_user_model()
CONTENT_FIELDS = [name for names in SLOT_FIELDS.values() for name in names]


class MeetingSerializer(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "team", "team_name", "date", "slot", "scheduled_at", "late_after", "closes_at"]


class RepSerializer(serializers.Serializer):
    rep = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["rep"].queryset = rep_choices_for(user=request.user)


class ExcuseSerializer(RepSerializer):
    reason = serializers.CharField(allow_blank=True, max_length=300)


class CheckInSerializer(serializers.ModelSerializer):
    rep = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False)

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "meeting",
            "rep",
            "checked_in_at",
            "attendance",
            "excuse_reason",
            "excused_by",
            "late_allowed_by",
            *CONTENT_FIELDS,
            "updated_at",
        ]
        read_only_fields = [
            "checked_in_at",
            "attendance",
            "excuse_reason",
            "excused_by",
            "late_allowed_by",
            "updated_at",
        ]
        # A second check-in to the same meeting updates the first (the service decides), so no unique check here.
        validators: list = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            # Unknown or out-of-scope meetings and reps are "does not exist", never "forbidden".
            self.fields["meeting"].queryset = selectors.meeting_list_for(user=request.user)
            self.fields["rep"].queryset = rep_choices_for(user=request.user)


class ProblemSerializer(serializers.ModelSerializer):
    resolution_minutes = serializers.SerializerMethodField()
    age_minutes = serializers.SerializerMethodField()

    class Meta:
        model = Problem
        fields = [
            "id",
            "team",
            "raised_by",
            "source",
            "meeting",
            "checkin",
            "description",
            "owner",
            "due_date",
            "created_at",
            "resolved_at",
            "resolved_by",
            "resolution",
            "resolution_minutes",
            "age_minutes",
        ]
        read_only_fields = ["raised_by", "created_at", "resolved_at", "resolved_by", "resolution"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["team"].queryset = team_list_for(user=request.user)
            self.fields["meeting"].queryset = selectors.meeting_list_for(user=request.user)
            self.fields["checkin"].queryset = selectors.checkin_list_for(user=request.user)

    def get_resolution_minutes(self, problem: Problem) -> int | None:
        duration = problem.resolution_time
        return None if duration is None else int(duration.total_seconds() // 60)

    def get_age_minutes(self, problem: Problem) -> int:
        end = problem.resolved_at or timezone.now()
        return int((end - problem.created_at).total_seconds() // 60)


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(allow_blank=True, max_length=2000)


class CorrectiveActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CorrectiveAction
        fields = ["id", "problem", "owner", "description", "assigned_at", "started_at", "done_at"]
        read_only_fields = ["assigned_at", "started_at", "done_at"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["problem"].queryset = selectors.problem_list_for(user=request.user)


class CoachingNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = CoachingNote
        fields = ["id", "team", "manager", "rep", "topic", "agreed_actions", "follow_up_date", "created_at"]
        read_only_fields = ["team", "manager", "created_at"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["rep"].queryset = rep_choices_for(user=request.user)


class MeetingFilter(filters.FilterSet):
    class Meta:
        model = Meeting
        fields = ["team", "date", "slot"]


class MeetingViewSet(IdempotentMixin, viewsets.ReadOnlyModelViewSet):
    """Meetings of the user's teams (the schedule job creates them; reading never does)."""

    serializer_class = MeetingSerializer
    permission_classes = [HasRole]
    filterset_class = MeetingFilter

    def get_queryset(self):
        if self.action == "list":
            date_param(self.request.query_params, "date", default=None)  # a date outside the company's life: 400
        return selectors.meeting_list_for(user=self.request.user)

    def _call(self, function, **kwargs) -> CheckIn:
        return function(meeting=self.get_object(), by=self.request.user, **kwargs)

    @extend_schema(request=ExcuseSerializer, responses=CheckInSerializer)
    @action(detail=True, methods=["post"])
    def excuse(self, request: Request, pk: str) -> Response:
        """The manager excuses a rep from the meeting (a reason is required)."""
        data = ExcuseSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        checkin = self._call(
            services.checkin_excuse, rep=data.validated_data["rep"], reason=data.validated_data["reason"]
        )
        return Response(CheckInSerializer(checkin).data)

    @extend_schema(request=RepSerializer, responses=CheckInSerializer)
    @action(detail=True, methods=["post"], url_path="allow-late")
    def allow_late(self, request: Request, pk: str) -> Response:
        """The manager allows a rep to check in, as late, after the meeting closed."""
        data = RepSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        checkin = self._call(services.checkin_allow_late, rep=data.validated_data["rep"])
        return Response(CheckInSerializer(checkin).data)


class CheckInFilter(filters.FilterSet):
    date = filters.DateFilter(field_name="meeting__date")
    slot = filters.CharFilter(field_name="meeting__slot")

    class Meta:
        model = CheckIn
        fields = ["meeting", "rep", "attendance"]


@extend_schema_view(
    create=extend_schema(
        responses={
            200: OpenApiResponse(CheckInSerializer, description="The rep's check-in to this meeting, updated."),
            201: OpenApiResponse(CheckInSerializer, description="The rep's first check-in to this meeting."),
        }
    )
)
class CheckInViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Check-ins; posting again for the same meeting updates the content of the rep's check-in."""

    serializer_class = CheckInSerializer
    permission_classes = [HasRole]
    filterset_class = CheckInFilter

    def get_queryset(self):
        return selectors.checkin_list_for(user=self.request.user)

    def create(self, request: Request, *args, **kwargs) -> Response:
        """201 for the rep's first check-in to the meeting, 200 when it updates the one there is."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        meeting, rep = data.pop("meeting"), data.pop("rep", request.user)
        # A row made by allowing a late check-in is not a check-in yet; an excused rep's row is.
        was_there = (
            CheckIn.objects.filter(meeting=meeting, rep=rep)
            .filter(Q(checked_in_at__isnull=False) | Q(attendance=Attendance.EXCUSED))
            .exists()
        )
        checkin = services.checkin_submit(meeting=meeting, rep=rep, by=request.user, **data)
        return Response(
            self.get_serializer(checkin).data, status=status.HTTP_200_OK if was_there else status.HTTP_201_CREATED
        )


class ProblemFilter(filters.FilterSet):
    open = filters.BooleanFilter(field_name="resolved_at", lookup_expr="isnull")

    class Meta:
        model = Problem
        fields = ["team", "owner", "source", "meeting"]


class ProblemViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Problems, open ones first; the owner or the team's manager resolves them."""

    serializer_class = ProblemSerializer
    permission_classes = [HasRole]
    filterset_class = ProblemFilter

    def get_queryset(self):
        return selectors.problem_list_for(user=self.request.user)

    def perform_create(self, serializer: ProblemSerializer) -> None:
        serializer.instance = services.problem_raise(by=self.request.user, **serializer.validated_data)

    @extend_schema(request=ResolveSerializer, responses=ProblemSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        """Record how the problem was resolved; the resolution time is kept."""
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        problem = services.problem_resolve(
            problem=self.get_object(), by=request.user, resolution=data.validated_data["resolution"]
        )
        return Response(ProblemSerializer(problem).data)


class CorrectiveActionViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Corrective actions of visible problems: assigned, started, done."""

    serializer_class = CorrectiveActionSerializer
    permission_classes = [HasRole]
    filterset_fields = ["problem", "owner"]

    def get_queryset(self):
        return selectors.corrective_action_list_for(user=self.request.user)

    def perform_create(self, serializer: CorrectiveActionSerializer) -> None:
        serializer.instance = services.corrective_action_add(by=self.request.user, **serializer.validated_data)

    @extend_schema(request=None, responses=CorrectiveActionSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        action_ = services.corrective_action_start(action=self.get_object(), by=request.user)
        return Response(CorrectiveActionSerializer(action_).data)

    @extend_schema(request=None, responses=CorrectiveActionSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request: Request, pk: str) -> Response:
        action_ = services.corrective_action_done(action=self.get_object(), by=request.user)
        return Response(CorrectiveActionSerializer(action_).data)


class CoachingNoteViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """One-on-one coaching notes: a manager writes them for their reps, a rep reads their own."""

    serializer_class = CoachingNoteSerializer
    permission_classes = [HasRole]
    filterset_fields = ["rep", "team"]

    def get_queryset(self):
        return selectors.coaching_note_list_for(user=self.request.user)

    def perform_create(self, serializer: CoachingNoteSerializer) -> None:
        serializer.instance = services.coaching_note_create(by=self.request.user, **serializer.validated_data)

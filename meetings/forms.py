from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from meetings.models import SLOT_FIELDS, CheckIn, MeetingSchedule, WeeklyReviewSchedule
from org.models import Membership, Role, Team
from salesops.formatting import display_name, sorted_by_name

User = get_user_model()


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(field.widget, forms.Select):
            field.widget.attrs.setdefault("class", "form-select")
        else:
            field.widget.attrs.setdefault("class", "form-control")


def _attrs_html(attrs: dict) -> SafeString:
    """Attributes as Django's django/forms/widgets/attrs.html writes them."""
    return mark_safe(  # noqa: S308 - every value is escaped by format_html
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


class ListSelect(forms.Select):
    """A select with the same markup as Django's, written in Python: the templates render two sub-templates
    per option, which for a team of 50 reps took longer than the rest of a dashboard's table."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs_html(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            parts.extend(
                format_html(
                    '\n  <option value="{}"{}>{}</option>\n', str(o["value"]), _attrs_html(o["attrs"]), o["label"]
                )
                for o in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - built by format_html


class _ReadOnceChoiceIterator(ModelChoiceIterator):
    """The queryset read with one plain SELECT (Django's iterator() opens a server-side cursor: three round
    trips) and kept by the field, so rendering the options again reads nothing."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in sorted_by_name(self.queryset):
            yield self.choice(obj)


class UserChoiceField(forms.ModelChoiceField):
    widget = ListSelect
    iterator = _ReadOnceChoiceIterator

    def label_from_instance(self, obj) -> str:
        return display_name(obj)

    def show_users(self, users: list) -> None:
        """Offer an already read list of users (the queryset still validates a submitted choice), so several
        forms on a page share one query."""
        empty = [("", self.empty_label)] if self.empty_label is not None else []
        self.choices = [*empty, *((user.pk, self.label_from_instance(user)) for user in users)]


def members_of(team: Team, day: dt.date):
    """The team's members on ``day`` (reps and managers) and the managers of the teams above it."""
    ancestor_ids = [int(i) for i in team.path.split("/") if i]
    member_ids = (
        Membership.objects.active_on(day)
        .filter(Q(team=team) | Q(team_id__in=ancestor_ids, role__in=[Role.MANAGER, Role.DIRECTOR]))
        .values("user_id")
    )
    return User.objects.filter(id__in=member_ids).order_by("last_name", "first_name", "username")


class CheckInForm(forms.ModelForm):
    """The slot's content; the other slots' fields are left out."""

    class Meta:
        model = CheckIn
        fields = [name for names in SLOT_FIELDS.values() for name in names]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in ("key_customers", "help_needed", "blockers", "went_wrong", "correction_tomorrow")
        }

    def __init__(self, *args, slot: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in SLOT_FIELDS[slot]:
                del self.fields[name]
        for name, field in self.fields.items():
            if isinstance(field, forms.DecimalField | forms.IntegerField):
                field.min_value = 0
                field.widget.attrs.update({"min": "0", "inputmode": "decimal" if "amount" in name else "numeric"})
        _style(self)


class ExcuseForm(forms.Form):
    rep = UserChoiceField(label=_("Rep"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, reps, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rep"].queryset = reps
        _style(self)


class AllowLateForm(forms.Form):
    rep = UserChoiceField(label=_("Rep"), queryset=User.objects.none())

    def __init__(self, *args, reps, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rep"].queryset = reps
        _style(self)


class ProblemForm(forms.Form):
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = UserChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, team: Team, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(team, timezone.localdate())
        self.fields["due_date"].initial = timezone.localdate()
        _style(self)


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("Resolution"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class CorrectiveActionForm(forms.Form):
    description = forms.CharField(
        label=pgettext_lazy("corrective action", "Action"), widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = UserChoiceField(label=_("Owner"), queryset=User.objects.none())

    def __init__(self, *args, team: Team, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(team, timezone.localdate())
        _style(self)


class CoachingNoteForm(forms.Form):
    rep = UserChoiceField(label=_("Rep"), queryset=User.objects.none())
    topic = forms.CharField(label=_("Topic"), max_length=200)
    agreed_actions = forms.CharField(label=_("Agreed actions"), widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_date = forms.DateField(
        label=_("Follow-up date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, reps, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rep"].queryset = reps
        _style(self)


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = MeetingSchedule
        fields = ["time", "grace_minutes", "close_after_minutes", "active"]
        widgets = {"time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class WeeklyReviewForm(forms.Form):
    root_causes = forms.CharField(label=_("Root causes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    corrections = forms.CharField(label=_("Corrections agreed"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class WeeklyReviewScheduleForm(forms.ModelForm):
    class Meta:
        model = WeeklyReviewSchedule
        fields = ["weekday", "time"]
        widgets = {"time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

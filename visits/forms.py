from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from org.models import Customer, Team
from org.selectors import customer_list_for, team_list_for
from salesops.params import date_outside_message
from salesops.widgets import FilePickerInput
from visits.models import MAX_PHOTOS_PER_VISIT, Visit, VisitReview
from visits.services.visit_photos import PhotoUpload


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


class PlanVisitForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    planned_time = forms.TimeField(
        label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Visit.Purpose.choices, initial=Visit.Purpose.FOLLOW_UP)

    def __init__(self, *args, user: AbstractBaseUser, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customer_list_for(user=user)
        self.fields["customer"].empty_label = _("Choose a customer…")
        _style(self)


class UnplannedVisitForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none(), required=False)
    new_customer_name = forms.CharField(label=_("…or a new customer"), max_length=200, required=False)
    new_customer_kind = forms.ChoiceField(
        label=_("Kind"), choices=Customer.Kind.choices, initial=Customer.Kind.OUTLET, required=False
    )
    new_customer_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Visit.Purpose.choices, initial=Visit.Purpose.FOLLOW_UP)

    def __init__(self, *args, user: AbstractBaseUser, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customer_list_for(user=user)
        self.fields["customer"].empty_label = _("Choose a customer…")
        _style(self)

    def clean(self) -> dict:
        data = super().clean()
        has_customer = data.get("customer") is not None
        has_new = bool((data.get("new_customer_name") or "").strip())
        if has_customer == has_new:
            raise forms.ValidationError(_("Choose a customer or enter the name of a new one."))
        return data


class CheckInForm(forms.Form):
    # Wide bounds here: the range check (and its message) is the service's.
    latitude = forms.DecimalField(required=False, max_digits=12, decimal_places=6, widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, max_digits=12, decimal_places=6, widget=forms.HiddenInput)
    accuracy_m = forms.DecimalField(required=False, max_digits=12, decimal_places=1, widget=forms.HiddenInput)

    def clean_accuracy_m(self) -> Decimal | None:
        value = self.cleaned_data.get("accuracy_m")
        return min(value, Decimal("99999999.9")) if value is not None else None


class VisitRecordForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    next_visit_date = forms.DateField(
        label=_("Next visit date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    is_new_customer = forms.BooleanField(label=pgettext_lazy("visit flag", "New customer"), required=False)
    is_new_outlet = forms.BooleanField(label=_("New outlet"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


def _posted_decimal(value: str | None) -> Decimal | None:
    try:
        number = Decimal((value or "").strip())
    except ArithmeticError:
        return None
    return number.quantize(Decimal("0.000001")) if number.is_finite() else None


def photo_uploads_from(request: HttpRequest) -> list[PhotoUpload]:
    """The photos of a visit form: the slots ``photo_1`` … ``photo_3``, each with the capture time and position the
    phone put beside it (``photo_N_taken_at``, ``photo_N_latitude``, ``photo_N_longitude``), and any plain
    ``photo`` files. A time or position that does not parse is left out (the server's time is used)."""
    uploads = []
    for slot in range(1, MAX_PHOTOS_PER_VISIT + 1):
        upload = request.FILES.get(f"photo_{slot}")
        if upload is None:
            continue
        try:
            taken_at = parse_datetime(request.POST.get(f"photo_{slot}_taken_at", "").strip())
        except ValueError:
            taken_at = None
        if taken_at is not None and timezone.is_naive(taken_at):
            taken_at = timezone.make_aware(taken_at)
        uploads.append(
            PhotoUpload(
                file=upload,
                taken_at=taken_at,
                latitude=_posted_decimal(request.POST.get(f"photo_{slot}_latitude")),
                longitude=_posted_decimal(request.POST.get(f"photo_{slot}_longitude")),
            )
        )
    uploads.extend(PhotoUpload(file=upload) for upload in request.FILES.getlist("photo"))
    return uploads


def photos_to_remove_from(request: HttpRequest) -> list[int]:
    return [int(value) for value in request.POST.getlist("remove_photo") if value.isdigit()]


class ReviewForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Method"),
        choices=VisitReview.Method.choices,
        widget=forms.RadioSelect,
        initial=VisitReview.Method.CALL_BACK,
    )
    result = forms.ChoiceField(
        label=_("Result"),
        choices=VisitReview.Result.choices,
        widget=forms.RadioSelect,
        initial=VisitReview.Result.CONFIRMED,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class TeamDayForm(forms.Form):
    date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args, user: AbstractBaseUser, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = team_list_for(user=user)
        self.fields["team"].empty_label = _("All my teams")
        _style(self)
        self.fields["date"].widget.attrs["class"] = "form-control form-control-sm w-auto"
        self.fields["team"].widget.attrs["class"] = "form-select form-select-sm w-auto"

    def clean_date(self) -> dt.date | None:
        day = self.cleaned_data["date"]
        problem = date_outside_message(day) if day else None
        if problem:
            raise forms.ValidationError(problem)
        return day


class SaleImportForm(forms.Form):
    file = forms.FileField(
        label=_("Sales lines (.csv or .xlsx)"),
        widget=FilePickerInput(
            attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

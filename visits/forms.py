from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from org.models import Customer, Team
from org.selectors import customer_list_for, team_list_for
from salesops.params import date_outside_message
from visits.models import Visit, VisitReview


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
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


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
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from org.models import AuditEvent, Customer, Datum, Team
from org.scoping import scope_for
from org.selectors import rep_choices_for
from org.services import CUSTOMER_FIELDS
from salesops.formatting import display_name, sorted_by_name
from salesops.widgets import FilePickerInput

# A first order date is a real day of the company's history: not in the future, not before 1900.
FIRST_ORDER_DATE_VALIDATORS = [MinValueValidator(dt.date(1900, 1, 1)), MaxValueValidator(timezone.localdate)]


class CustomerForm(forms.ModelForm):
    field_order = ["name", "code"]  # the name first on the page

    class Meta:
        model = Customer
        fields = [*CUSTOMER_FIELDS, "first_order_date"]
        widgets = {"first_order_date": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"first_order_date": _("Set by the customer's first order (a visit or an ERP sale).")}

    def __init__(self, *args, user: AbstractBaseUser, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        team_ids = scope.own_team_ids if scope.is_rep else scope.managed_team_ids
        self.fields["team"].queryset = Team.objects.filter(id__in=team_ids).order_by("path")
        if len(team_ids) == 1 and not self.instance.pk:
            self.fields["team"].initial = next(iter(team_ids))
        self.fields["first_order_date"].validators += FIRST_ORDER_DATE_VALIDATORS
        if scope.is_rep:
            # Set by the customer's first order; only a manager corrects it, with a reason.
            del self.fields["owner"]
            del self.fields["first_order_date"]
        else:
            self.fields["first_order_date_reason"] = forms.CharField(
                label=_("Reason for the first order date"),
                max_length=200,
                required=False,
                help_text=_("Needed when you set or change the first order date by hand; kept in the audit log."),
            )
            self.order_fields([*self.Meta.fields, "first_order_date_reason"])
            owners = rep_choices_for(user=user)
            self.fields["owner"].queryset = owners
            # Named and in name order (pinyin of the family name), as everywhere else; the queryset validates.
            people = ((u.pk, display_name(u)) for u in sorted_by_name(owners))
            self.fields["owner"].choices = [("", "---------"), *people]
        self.fields["position_datum"].required = False
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_position_datum(self) -> str:
        # A form from before the field existed (or a script) leaves it out: GPS, as phones report.
        return self.cleaned_data.get("position_datum") or Datum.WGS84

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the customer's name."))
        return name


class CalendarDayForm(forms.Form):
    date = forms.DateField(
        label=_("date"), validators=[MinValueValidator(dt.date(2000, 1, 1)), MaxValueValidator(dt.date(2099, 12, 31))]
    )
    is_working = forms.BooleanField(label=_("working day"), required=False)
    note = forms.CharField(label=_("note"), max_length=100, required=False)


class CalendarImportForm(forms.Form):
    """The official arrangement of a year: typed or pasted, or uploaded as a .csv/.txt/.ics file."""

    MAX_BYTES = 256 * 1024

    year = forms.IntegerField(
        label=pgettext_lazy("calendar", "Year"),
        min_value=2000,
        max_value=2099,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm w-auto"}),
    )
    text = forms.CharField(
        label=_("Holidays and make-up working days"),
        required=False,
        max_length=MAX_BYTES,
        strip=False,
        widget=forms.Textarea(attrs={"class": "form-control form-control-sm font-monospace", "rows": 6}),
    )
    file = forms.FileField(
        label=_("or a file (.csv, .txt, .ics)"),
        required=False,
        widget=FilePickerInput(attrs={"accept": ".csv,.txt,.ics,text/csv,text/calendar"}),
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return ""
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 256 KB."))
        content = upload.read()
        for encoding in ("utf-8-sig", "gb18030"):  # what Chinese spreadsheets and calendars save
            try:
                return content.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise forms.ValidationError(_("The file is not text (save it as UTF-8 CSV or .ics)."))

    def clean(self) -> dict:
        data = super().clean()
        data["text"] = data.get("file") or data.get("text") or ""
        if not data["text"].strip() and not self.errors:
            self.add_error("text", _("Paste or upload the list of holidays and make-up working days."))
        return data


class AuditSearchForm(forms.Form):
    text = forms.CharField(label=_("Search"), required=False, max_length=100)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", "—"), *AuditEvent.Action.choices])
    start = forms.DateField(label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)

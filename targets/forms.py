from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salesops.widgets import FilePickerInput
from targets import services


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=FilePickerInput(attrs={"accept": ".xlsx"}),
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=500,
        help_text=_("Required when an approved target changes."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class AllocateForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Allocate"),
        choices=[
            ("equal", _("Equally")),
            ("shares", _("By the shares entered (%)")),
            ("last_year", _("By last year's actuals")),
        ],
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class OverrideOptionsForm(forms.Form):
    mode = forms.ChoiceField(
        choices=[(services.RESPREAD, _("Re-spread the rest")), (services.CHANGE_ANNUAL, _("Change the annual value"))],
        initial=services.RESPREAD,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(required=False, max_length=500)


class LockForm(forms.Form):
    through_month = forms.IntegerField(label=_("Lock months up to"), min_value=1, max_value=12)


class ReopenForm(forms.Form):
    month = forms.IntegerField(label=_("Closed month"), min_value=1, max_value=12)
    value = forms.CharField(label=_("New value"), max_length=40)
    reason = forms.CharField(label=_("Reason"), max_length=500)

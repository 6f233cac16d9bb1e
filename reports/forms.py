"""Forms of the report pages: a group robot's settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from org.models import Team
from org.scoping import scope_for
from reports.models import Robot


class RobotForm(forms.ModelForm):
    """A robot for one of the units the user manages; the secret is typed once and never shown again."""

    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("DingTalk and Feishu: the secret of the robot's signature setting. Not shown again."),
    )

    class Meta:
        model = Robot
        fields = ["team", "kind", "name", "webhook_url", "secret", "language"]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        teams = Team.objects.all() if scope.is_director else Team.objects.filter(pk__in=scope.managed_team_ids)
        self.fields["team"].queryset = teams.order_by("path")
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

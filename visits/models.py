from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org.models import Customer, Product, Team


class SaleRecord(models.Model):
    """One line of actual sales: from an order taken on a visit, or imported from the ERP."""

    class Source(models.TextChoices):
        VISIT = "visit", _("Visit order")
        ERP = "erp", _("ERP import")
        API = "api", _("API")

    external_id = models.CharField(_("external id"), max_length=100, unique=True, null=True, blank=True)
    date = models.DateField(_("date"))
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rep"), on_delete=models.PROTECT, related_name="sale_records"
    )
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="sale_records")
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="sale_records"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ERP)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "id"]
        verbose_name = _("sale record")
        verbose_name_plural = _("sale records")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="sale_quantity_not_negative"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="sale_amount_not_negative"),
        ]
        indexes = [
            models.Index(fields=["rep", "date"], name="sale_rep_date"),
            models.Index(fields=["team", "date"], name="sale_team_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.customer} {self.amount}"

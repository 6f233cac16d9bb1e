from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from org.models import Customer, Product, Team, latitude_field, longitude_field


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


class VisitSettings(models.Model):
    """The company's visit rules: one row, edited by a director in the admin."""

    submission_deadline = models.TimeField(
        _("submission deadline"),
        default=dt.time(21, 0),
        help_text=_("Local time by which the day's sheet must be submitted; later submissions are marked late."),
    )
    frequency_a_days = models.PositiveSmallIntegerField(
        _("visit every (days), tier A"), default=7, validators=[MinValueValidator(1)]
    )
    frequency_b_days = models.PositiveSmallIntegerField(
        _("visit every (days), tier B"), default=14, validators=[MinValueValidator(1)]
    )
    frequency_c_days = models.PositiveSmallIntegerField(
        _("visit every (days), tier C"), default=30, validators=[MinValueValidator(1)]
    )
    photo_max_bytes = models.PositiveIntegerField(_("largest photo (bytes)"), default=5 * 1024 * 1024)
    # Check-ins a manager can believe: where a check-in counts as at the customer, and what makes a visit doubtful.
    check_in_radius_m = models.PositiveIntegerField(
        _("check-in radius (m)"),
        default=300,
        validators=[MinValueValidator(10)],
        help_text=_("A check-in farther from the customer is marked out of range (a customer may have its own)."),
    )
    max_accuracy_m = models.PositiveIntegerField(
        _("worst accepted location accuracy (m)"),
        default=200,
        validators=[MinValueValidator(1)],
        help_text=_("A check-in whose position is less precise is marked imprecise."),
    )
    same_spot_m = models.PositiveIntegerField(
        _("same spot (m)"),
        default=50,
        validators=[MinValueValidator(1)],
        help_text=_("Check-ins at different customers closer than this on one day are flagged."),
    )
    max_speed_kmh = models.PositiveIntegerField(
        _("fastest plausible travel (km/h)"),
        default=120,
        validators=[MinValueValidator(1)],
        help_text=_("Faster travel between consecutive visits is flagged."),
    )
    min_order_visit_minutes = models.PositiveIntegerField(
        _("shortest order-taking visit (minutes)"),
        default=2,
        help_text=_("An order-taking visit checked out sooner after its check-in is flagged."),
    )
    max_sync_delay_minutes = models.PositiveIntegerField(
        _("longest check-in sync delay (minutes)"),
        default=60,
        validators=[MinValueValidator(1)],
        help_text=_("A check-in that reached the server later than this after its time is flagged."),
    )

    class Meta:
        verbose_name = _("visit settings")
        verbose_name_plural = _("visit settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="visit_settings_singleton")]

    def __str__(self) -> str:
        return str(_("Visit settings"))

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> VisitSettings:
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row

    def frequencies(self) -> dict[str, int]:
        """Days allowed between two visits, by customer tier: the one tier → frequency mapping."""
        return {
            Customer.Tier.A.value: self.frequency_a_days,
            Customer.Tier.B.value: self.frequency_b_days,
            Customer.Tier.C.value: self.frequency_c_days,
        }

    def frequency_days(self, tier: str) -> int:
        """The frequency of ``tier``; a tier without its own is visited as often as C."""
        frequencies = self.frequencies()
        return frequencies.get(tier, frequencies[Customer.Tier.C.value])


class VisitSheet(models.Model):
    """A rep's itinerary and visit record for one day (行程表 / 业务拜访表)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        REVIEWED = "reviewed", _("Reviewed")

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rep"), on_delete=models.PROTECT, related_name="visit_sheets"
    )
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="visit_sheets")
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    deadline = models.DateTimeField(_("deadline"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    reopened = models.BooleanField(_("reopened"), default=False)
    manager_comment = models.TextField(_("manager's comment"), blank=True)
    commented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("commented by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Bumped on every change, so a client holding an old copy can tell.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-date", "rep__username"]
        verbose_name = _("visit sheet")
        verbose_name_plural = _("visit sheets")
        constraints = [
            models.UniqueConstraint(fields=["rep", "date"], name="visit_sheet_one_per_rep_day"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False), name="visit_sheet_submitted_has_time"
            ),
        ]
        indexes = [models.Index(fields=["team", "date"], name="visit_sheet_team_date")]

    def __str__(self) -> str:
        return f"{self.rep} {self.date}"

    @property
    def is_editable_by_rep(self) -> bool:
        return self.status == self.Status.DRAFT


class Visit(models.Model):
    """One call on a customer: planned in the morning or added on the spot, then checked in and out."""

    class LocationStatus(models.TextChoices):
        IN_RANGE = "in_range", _("In range")
        OUT_OF_RANGE = "out_of_range", _("Out of range")
        IMPRECISE = "imprecise", _("Imprecise position")
        NO_POSITION = "no_position", _("No position")
        CUSTOMER_UNPLACED = "unplaced", _("Customer has no position")

    class Purpose(models.TextChoices):
        NEW_CUSTOMER = "new_customer", _("New-customer development")
        NEW_OUTLET = "new_outlet", _("New-outlet development")
        FOLLOW_UP = "follow_up", _("Follow-up")
        ORDER = "order", _("Order taking")
        PAYMENT = "payment", _("Payment collection")
        DISPLAY = "display", _("Display / stock check")
        COMPLAINT = "complaint", _("Complaint")

    sheet = models.ForeignKey(VisitSheet, verbose_name=_("sheet"), on_delete=models.CASCADE, related_name="visits")
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="visits")
    planned = models.BooleanField(_("planned"), default=True)
    planned_time = models.TimeField(_("planned time"), null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=15, choices=Purpose.choices, default=Purpose.FOLLOW_UP)
    check_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    latitude = latitude_field()
    longitude = longitude_field()
    accuracy_m = models.DecimalField(
        _("location accuracy (m)"),
        max_digits=9,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    # Set at check-in: how far the phone was from the customer's position (converted to GPS) and what that means.
    distance_m = models.PositiveIntegerField(_("distance from the customer (m)"), null=True, blank=True)
    location_status = models.CharField(
        _("check-in location"), max_length=12, choices=LocationStatus.choices, blank=True
    )
    check_in_synced_at = models.DateTimeField(_("check-in received at"), null=True, blank=True)
    # A check-out kept on the phone while offline carries the time of the tap; this is when it reached the server.
    check_out_synced_at = models.DateTimeField(_("check-out received at"), null=True, blank=True)
    route_order = models.PositiveSmallIntegerField(_("place in the day's route"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_visit_date = models.DateField(_("next visit date"), null=True, blank=True)
    is_new_customer = models.BooleanField(_("new customer"), default=False)
    is_new_outlet = models.BooleanField(_("new outlet"), default=False)
    # Why a planned visit was not made, given by the rep when submitting the sheet.
    undone_reason = models.CharField(_("reason not visited"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["sheet", "-planned", "route_order", "planned_time", "check_in_at", "id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(check_out_at__isnull=True)
                | Q(check_in_at__isnull=False, check_out_at__gte=F("check_in_at")),
                name="visit_check_out_after_check_in",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="visit_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="visit_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(accuracy_m__isnull=True) | Q(accuracy_m__gte=0), name="visit_accuracy_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["customer", "check_in_at"], name="visit_customer_check_in")]

    def __str__(self) -> str:
        return f"{self.customer} · {self.sheet.date}"

    @property
    def is_done(self) -> bool:
        return self.check_out_at is not None

    @property
    def is_location_doubtful(self) -> bool:
        return self.location_status not in ("", self.LocationStatus.IN_RANGE)


MAX_PHOTOS_PER_VISIT = 3


class VisitPhoto(models.Model):
    """A picture taken on a visit (the shelf, the display, the shop front), with when and where it was taken."""

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("file"), upload_to="visits/%Y/%m/")
    # SHA-256 of the stored bytes: the same picture handed in again is flagged.
    sha256 = models.CharField(_("fingerprint"), max_length=64, db_index=True)
    taken_at = models.DateTimeField(_("taken at"))
    latitude = latitude_field()
    longitude = longitude_field()
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["visit", "taken_at", "id"]
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="visit_photo_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="visit_photo_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} · {self.taken_at:%Y-%m-%d %H:%M}"


class PhotoUploadDay(models.Model):
    """How many photos a rep uploaded on one local day, removed and replaced ones included (the daily quota)."""

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("rep"), on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    count = models.PositiveIntegerField(_("photos uploaded"), default=0)

    class Meta:
        verbose_name = _("photo uploads of a day")
        verbose_name_plural = _("photo uploads of a day")
        constraints = [models.UniqueConstraint(fields=["rep", "date"], name="photo_upload_day_one_per_rep_day")]

    def __str__(self) -> str:
        return f"{self.rep_id} {self.date}: {self.count}"


class OrderLine(models.Model):
    """A product ordered on a visit; each line is also a SaleRecord (source = visit)."""

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="order_lines")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    sale_record = models.OneToOneField(
        SaleRecord,
        verbose_name=_("sale record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_line",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["visit", "id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="order_line_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


class VisitReviewQuerySet(models.QuerySet):
    def discrepancies(self) -> VisitReviewQuerySet:
        return self.filter(result=VisitReview.Result.DISCREPANCY)


class VisitReview(models.Model):
    """A manager's check that a visit really happened as recorded: a phone call-back or a market walk."""

    class Method(models.TextChoices):
        CALL_BACK = "call_back", _("Phone call-back")
        MARKET_WALK = "market_walk", _("Market walk")

    class Result(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        DISCREPANCY = "discrepancy", _("Discrepancy")

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="reviews")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)
    note = models.TextField(_("note"), blank=True)
    resolved_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = VisitReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("visit review")
        verbose_name_plural = _("visit reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(result="confirmed") | ~Q(note=""), name="visit_review_discrepancy_has_note"
            )
        ]
        indexes = [models.Index(fields=["result", "resolved_at"], name="visit_review_open")]

    def __str__(self) -> str:
        return f"{self.visit} · {self.get_result_display()}"

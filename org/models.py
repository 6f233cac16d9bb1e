from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def latitude_field() -> models.DecimalField:
    """An optional latitude in degrees, to the micro-degree (about 0.1 m)."""
    return models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )


def longitude_field() -> models.DecimalField:
    """An optional longitude in degrees, to the micro-degree."""
    return models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )


class Role(models.TextChoices):
    DIRECTOR = "director", _("Director")
    MANAGER = "manager", _("Manager")
    REP = "rep", _("Sales rep")


class Team(models.Model):
    """A node of the company tree: company → region → team, any depth."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        REGION = "region", _("Region")
        TEAM = "team", _("Team")

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEAM)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of ids ("1/4/9/"), so a subtree is one indexed prefix match.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    class Meta:
        ordering = ["path"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        indexes = [models.Index(fields=["path"], name="team_path_prefix", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self.pk is None:
            super().save(*args, **kwargs)
            kwargs = {k: v for k, v in kwargs.items() if k not in ("force_insert",)}
        old_path = self.path
        self.path = f"{self.parent.path if self.parent else ''}{self.pk}/"
        self.depth = self.path.count("/") - 1
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            for child in self.children.all():
                child.save()

    def descendants(self, *, include_self: bool = True) -> models.QuerySet[Team]:
        qs = Team.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def ancestors(self) -> list[Team]:
        ids = [int(part) for part in self.path.strip("/").split("/")[:-1] if part]
        by_id = Team.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]


class MembershipQuerySet(models.QuerySet):
    def active_on(self, day: dt.date) -> MembershipQuerySet:
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class Membership(models.Model):
    """A user's role in a team for a span of dates."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["team__path", "role", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="membership_valid_span",
            )
        ]
        indexes = [models.Index(fields=["user", "valid_from"]), models.Index(fields=["team", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.team}"


class Datum(models.TextChoices):
    """Which map a position was read from: China's maps shift positions by 300–700 m from the phones' GPS."""

    WGS84 = "wgs84", _("WGS-84 (GPS, phone)")
    GCJ02 = "gcj02", _("GCJ-02 (Amap, Tencent maps)")
    BD09 = "bd09", _("BD-09 (Baidu maps)")


class Customer(models.Model):
    """A distributor, outlet or key account, owned by a rep of a team."""

    class Kind(models.TextChoices):
        DISTRIBUTOR = "distributor", _("Distributor")
        OUTLET = "outlet", _("Outlet")
        KEY_ACCOUNT = "key_account", _("Key account")

    class Tier(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"

    code = models.CharField(_("code"), max_length=40, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.OUTLET)
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, default=Tier.C)
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="customers")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner rep"),
        on_delete=models.PROTECT,
        related_name="customers",
        null=True,
        blank=True,
    )
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = latitude_field()
    longitude = longitude_field()
    position_datum = models.CharField(
        _("position datum"),
        max_length=5,
        choices=Datum.choices,
        default=Datum.WGS84,
        help_text=_("The map the position was copied from; it is converted to GPS before measuring check-ins."),
    )
    check_in_radius_m = models.PositiveIntegerField(
        _("check-in radius (m)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(10)],
        help_text=_("Empty: the company's radius."),
    )
    # A customer without a position takes the first precise check-in's (GPS) as a proposal a manager confirms.
    proposed_latitude = latitude_field()
    proposed_longitude = longitude_field()
    proposed_at = models.DateTimeField(_("position proposed at"), null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("position proposed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_order_date = models.DateField(_("first order date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="customer_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="customer_longitude_range",
            ),
        ]
        indexes = [models.Index(fields=["team", "owner"]), models.Index(fields=["owner", "first_order_date"])]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A product, in a product group, on the new or the established line."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    group = models.CharField(_("product group"), max_length=100)
    is_new_line = models.BooleanField(_("new line"), default=False)
    unit_price = models.DecimalField(
        _("unit price"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["group", "name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class Holiday(models.TextChoices):
    """China's statutory holidays, named in the page's language wherever a day shows one."""

    NEW_YEARS_DAY = "new_years_day", _("New Year's Day")
    SPRING_FESTIVAL = "spring_festival", _("Spring Festival")
    TOMB_SWEEPING_DAY = "tomb_sweeping_day", _("Tomb-sweeping Day")
    LABOUR_DAY = "labour_day", _("Labour Day")
    DRAGON_BOAT_FESTIVAL = "dragon_boat_festival", _("Dragon Boat Festival")
    MID_AUTUMN_FESTIVAL = "mid_autumn_festival", _("Mid-autumn Festival")
    NATIONAL_DAY = "national_day", _("National Day")
    ANTI_FASCIST_70TH_DAY = "anti_fascist_70th_day", _("Anti-Fascist 70th Day")


class WorkCalendarYear(models.Model):
    """Where a calendar year's days come from: the published arrangement, or an estimate until it is out."""

    class Source(models.TextChoices):
        OFFICIAL = "official", _("Official")
        IMPORTED = "imported", _("Official, imported by a director")
        ESTIMATED = "estimated", _("Estimated")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    package_versions = models.CharField(_("package versions"), max_length=100, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return f"{self.year} {self.get_source_display()}"

    @property
    def is_estimated(self) -> bool:
        return self.source == self.Source.ESTIMATED


class WorkCalendarDay(models.Model):
    """One day of the company's work calendar; a day with no row follows China's official calendar.

    A row with ``updated_by`` was set by a director (by hand or by an import) and a refresh keeps it.
    """

    class Kind(models.TextChoices):
        WORKDAY = "workday", _("Working day")
        WEEKEND = "weekend", _("Weekend")
        HOLIDAY = "holiday", _("Public holiday")
        MAKEUP = "makeup", _("Make-up working day")
        COMPANY = "company", _("Company day off")

    date = models.DateField(_("date"), unique=True)
    is_working = models.BooleanField(_("working day"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    holiday = models.CharField(_("holiday"), max_length=30, choices=Holiday.choices, blank=True)
    note = models.CharField(_("note"), max_length=100, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("work calendar day")
        verbose_name_plural = _("work calendar")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class AuditEvent(models.Model):
    """An append-only record of a security-relevant event: who, what, when (UTC), from where.

    A database trigger refuses UPDATE and DELETE on this table; the admin shows it read-only.
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logout")
        PERMISSION_DENIED = "permission_denied", _("Permission denied")
        USER_DEACTIVATED = "user_deactivated", _("User deactivated")
        TARGET_CHANGED = "target_changed", _("Target changed")
        TARGET_APPROVED = "target_approved", _("Target approved")
        SHEET_REOPENED = "sheet_reopened", _("Sheet reopened")
        REVIEW_RECORDED = "review_recorded", _("Review recorded")
        EXPORT = "export", _("Export")
        CALENDAR_CHANGED = "calendar_changed", _("Calendar changed")
        FIRST_ORDER_SET = "first_order_set", _("First order date set")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        # DO_NOTHING and no constraint: deleting a user must not rewrite (or lose) their audit trail.
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object id"), max_length=50, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"


class PendingTask(models.Model):
    """A Celery task whose enqueue failed (broker down); sent again by org.outbox.flush_pending()."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=1)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("pending task")
        verbose_name_plural = _("pending tasks")

    def __str__(self) -> str:
        return self.task_name


class ApiToken(models.Model):
    """One device's API login (a rep's phone, a script): only the key's SHA-256 is stored; it expires after
    API_TOKEN_DAYS and ends at a password change, a deactivation or a revocation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key starts with"), max_length=8, editable=False)
    device = models.CharField(_("device"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class IdempotencyKey(models.Model):
    """The stored response of an API POST, replayed when the client retries with the same key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "visits_idempotencykey"  # the table it had when the model lived in visits
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"

"""The metrics and distribution profiles every installation has (used by migration 0002 and post_migrate)."""

METRICS = [
    ("sales", "Sales amount", "money", "sales_amount", 10),
    ("new-line-sales", "New-line sales amount", "money", "new_line_amount", 20),
    ("established-sales", "Established sales amount", "money", "established_amount", 30),
    ("new-customers", "New customers", "count", "new_customers", 40),
    ("new-outlets", "New outlets", "count", "new_outlets", 50),
    ("visits", "Visits", "count", "visits", 60),
]
PROFILES = [("Even", "even"), ("By working days", "working_days"), ("Last year's actuals", "last_year")]


def ship(apps, schema_editor):
    Metric = apps.get_model("targets", "Metric")
    Profile = apps.get_model("targets", "DistributionProfile")
    for code, name, unit, kind, position in METRICS:
        Metric.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "actual_kind": kind, "position": position}
        )
    for name, kind in PROFILES:
        Profile.objects.get_or_create(name=name, defaults={"kind": kind})

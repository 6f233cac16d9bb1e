"""The nightly job on a small company: hand-checked snapshots, idempotency, concurrency, alerts, backfills."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.db import connection

from org.models import Team
from reports.models import (
    Alert,
    DailyActual,
    ExecutionKpiSnapshot,
    NightlyRun,
    NightlyShard,
    ProgressSnapshot,
    ReportSettings,
)
from reports.night.rollups import daily_actual_refresh
from reports.night.run import night_compute, night_finish, nightly_run_start, shard_compute
from reports.night.shards import leaf_team_shards, shard_key
from targets.models import Target

pytestmark = pytest.mark.django_db


def month_row(owner_key: str, as_of: dt.date = dt.date(2026, 3, 16)) -> ProgressSnapshot:
    return ProgressSnapshot.objects.get(as_of=as_of, owner_key=owner_key, period_kind="month")


def test_a_rep_month_matches_the_hand_worked_example(company, night) -> None:
    night_compute(as_of=night["as_of"])
    row = month_row(f"rep:{company.rep_a.pk}")
    assert (row.target, row.actual) == (D("220000.00"), D("90000.00"))
    assert row.time_progress == D("0.5")
    assert row.achievement == D("0.409091")
    assert row.gap_pp == D("-9.09")
    assert row.status == "behind"
    assert row.forecast == D("180000.00")
    assert row.required_daily_rate == D("11818.18")
    assert row.plan_progress == D("0.5")
    assert row.rank == 2  # rep_a2 is at 60 %


def test_quarter_and_year_count_earlier_months(company, night) -> None:
    night_compute(as_of=night["as_of"])
    quarter = ProgressSnapshot.objects.get(owner_key=f"rep:{company.rep_a.pk}", period_kind="quarter")
    # Q1: 21 + 16 + 11 of 21 + 16 + 22 working days; plan 100k + 80k + 220k × 11/22.
    assert (quarter.target, quarter.actual) == (D("400000.00"), D("240000.00"))
    assert quarter.time_progress == D("0.813559")
    assert quarter.plan_progress == D("0.725")
    assert quarter.achievement == D("0.6")
    assert quarter.status == "critical"
    year = ProgressSnapshot.objects.get(owner_key=f"rep:{company.rep_a.pk}", period_kind="year")
    assert (year.target, year.actual) == (D("400000.00"), D("240000.00"))


def test_teams_are_rolled_up_over_their_subtree(company, night) -> None:
    night_compute(as_of=night["as_of"])
    team_a = month_row(f"team:{company.team_a.pk}")
    assert (team_a.target, team_a.actual, team_a.status) == (D("330000.00"), D("156000.00"), "watch")
    assert team_a.gap_pp == D("-2.73")
    region = month_row(f"team:{company.region.pk}")
    assert (region.target, region.actual, region.status) == (D("500000.00"), D("186000.00"), "behind")
    assert region.rank == 1


def test_calendar_days_can_be_the_time_basis(company, night) -> None:
    ReportSettings.objects.update_or_create(pk=1, defaults={"time_basis": "calendar_days"})
    night_compute(as_of=night["as_of"])
    assert month_row(f"rep:{company.rep_a.pk}").time_progress == D("0.516129")  # 16 / 31


def _snapshot_values() -> list[tuple]:
    return list(
        ProgressSnapshot.objects.order_by("owner_key", "metric_id", "period_kind").values_list(
            "as_of",
            "owner_key",
            "metric_id",
            "period_kind",
            "period_start",
            "target",
            "actual",
            "achievement",
            "time_progress",
            "plan_progress",
            "gap_pp",
            "status",
            "forecast",
            "required_daily_rate",
            "rank",
        )
    )


def test_the_same_night_twice_gives_identical_rows(company, night) -> None:
    night_compute(as_of=night["as_of"])
    first = (
        _snapshot_values(),
        ExecutionKpiSnapshot.objects.count(),
        DailyActual.objects.count(),
        Alert.objects.count(),
    )
    night_compute(as_of=night["as_of"])
    second = (
        _snapshot_values(),
        ExecutionKpiSnapshot.objects.count(),
        DailyActual.objects.count(),
        Alert.objects.count(),
    )
    assert first == second
    assert len(first[0]) == 4 * 5  # four owners × month, quarter, year, week, day


def test_a_night_is_published_only_when_finished(company, night) -> None:
    run = nightly_run_start(as_of=night["as_of"], shard_count=2)
    shard_compute(as_of=night["as_of"], team_ids=[company.team_a.pk])
    assert night_finish(as_of=night["as_of"]) is False
    run.refresh_from_db()
    assert run.status == NightlyRun.Status.RUNNING
    shard_compute(as_of=night["as_of"], team_ids=[company.team_b.pk])
    assert night_finish(as_of=night["as_of"]) is True
    run.refresh_from_db()
    assert run.status == NightlyRun.Status.FINISHED
    assert night_finish(as_of=night["as_of"]) is False  # only once


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_the_same_night_leave_no_duplicates(company, night) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            night_compute(as_of=night["as_of"])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert ProgressSnapshot.objects.count() == 4 * 5
    assert NightlyRun.objects.get(as_of=night["as_of"]).status == NightlyRun.Status.FINISHED
    month = month_row(f"rep:{company.rep_a.pk}")
    assert (month.actual, month.rank) == (D("90000.00"), 2)


def test_falling_behind_alerts_the_rep_and_the_manager_once(company, night) -> None:
    night_compute(as_of=night["as_of"])
    cause = f"progress:{company.rep_a.pk}:{night['metric'].pk}:behind"
    alerts = Alert.objects.filter(cause=cause)
    assert sorted(a.user.username for a in alerts) == ["manager_a", "rep_a"]
    assert "9.09" in alerts[0].message
    night_compute(as_of=night["as_of"])
    assert Alert.objects.filter(cause=cause).count() == 2


def test_a_missing_sheet_alerts_the_rep_and_the_manager(company, night) -> None:
    night_compute(as_of=night["as_of"])
    missing = Alert.objects.filter(cause=f"missing-sheet:{company.rep_b.pk}")
    assert sorted(a.user.username for a in missing) == ["manager_b", "rep_b"]


def test_no_alert_when_the_status_was_already_behind(company, night) -> None:
    night_compute(as_of=dt.date(2026, 3, 13))
    assert month_row(f"rep:{company.rep_a.pk}", dt.date(2026, 3, 13)).status in ("behind", "critical")
    night_compute(as_of=night["as_of"])
    assert not Alert.objects.filter(day=night["as_of"], cause__startswith="progress:", user=company.rep_a).exists()


def test_the_command_backfills_a_range(company, night) -> None:
    call_command("compute_progress", "--from", "2026-03-14", "--to", "2026-03-16")
    assert set(NightlyRun.objects.values_list("as_of", "status")) == {
        (dt.date(2026, 3, d), "finished") for d in (14, 15, 16)
    }
    assert month_row(f"rep:{company.rep_a.pk}").actual == D("90000.00")
    assert month_row(f"rep:{company.rep_a.pk}", dt.date(2026, 3, 15)).actual == D("50000.00")


def test_the_command_computes_one_night(company, night) -> None:
    call_command("compute_progress", "--as-of", "2026-03-16")
    assert month_row(f"rep:{company.rep_a.pk}").actual == D("90000.00")


def test_a_night_rolls_up_late_data_of_the_last_days(company, night) -> None:
    night_compute(as_of=dt.date(2026, 3, 15))
    from tests.reports.factories import make_sale
    from visits.models import SaleRecord

    first = SaleRecord.objects.filter(rep=company.rep_a).first()
    make_sale(dt.date(2026, 3, 12), company.rep_a, first.customer, first.product, D("1000"))
    night_compute(as_of=night["as_of"])
    assert month_row(f"rep:{company.rep_a.pk}").actual == D("91000.00")


def test_a_backdated_import_is_rolled_up_the_next_night(company, night) -> None:
    night_compute(as_of=night["as_of"])
    from tests.reports.factories import make_sale
    from visits.models import SaleRecord

    first = SaleRecord.objects.filter(rep=company.rep_a).first()
    make_sale(dt.date(2026, 1, 20), company.rep_a, first.customer, first.product, D("5000"))
    night_compute(as_of=dt.date(2026, 3, 17))
    year = ProgressSnapshot.objects.get(
        as_of=dt.date(2026, 3, 17), owner_key=f"rep:{company.rep_a.pk}", period_kind="year"
    )
    assert year.actual == D("240000.00") + D("5000") + D("99999")


def test_alerts_can_also_be_emailed(company, night, mailoutbox, django_capture_on_commit_callbacks) -> None:
    ReportSettings.objects.update_or_create(pk=1, defaults={"email_alerts": True})
    company.rep_a.email = "rep_a@example.com"
    company.rep_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        night_compute(as_of=night["as_of"])
    sent = [m for m in mailoutbox if m.to == ["rep_a@example.com"]]
    assert len(sent) == 1
    assert "9.09" in sent[0].body


def test_the_job_is_scheduled_at_one_in_the_morning_company_time() -> None:
    from importlib import import_module

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    # A transactional test may have flushed what the migration wrote; running it again is harmless.
    import_module("reports.migrations.0002_nightly_schedule").create_schedule(apps, None)
    assert PeriodicTask.objects.filter(task="reports.tasks.nightly_progress_task").count() == 1
    task = PeriodicTask.objects.get(task="reports.tasks.nightly_progress_task")
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == ("1", "0", "Asia/Shanghai")


def test_the_command_rejects_a_reversed_range(company) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("compute_progress", "--from", "2026-03-16", "--to", "2026-03-01")


def test_a_director_edits_the_report_settings_in_the_admin(company) -> None:
    company.director.is_staff = True
    company.director.is_superuser = True
    company.director.save()
    ReportSettings.load()
    response = company.client_for(company.director).get("/admin/reports/reportsettings/1/change/")
    assert response.status_code == 200
    assert b"weight_achievement" in response.content


def test_the_task_fans_out_and_the_last_shard_publishes(company, night) -> None:
    from reports.tasks import nightly_progress_task
    from salesops.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        assert nightly_progress_task.delay(night["as_of"].isoformat()).get() == 2
    finally:
        app.conf.task_always_eager = eager
    assert NightlyRun.objects.get(as_of=night["as_of"]).status == NightlyRun.Status.FINISHED
    assert NightlyShard.objects.filter(run__as_of=night["as_of"]).count() == 2
    assert month_row(f"team:{company.region.pk}").actual == D("186000.00")


def test_leaf_teams_are_grouped_into_as_many_shards_as_asked_each_team_once(company) -> None:
    leaves = [company.team_a.pk, company.team_b.pk]
    assert sorted(sum(leaf_team_shards(2), [])) == sorted(leaves)
    assert len(leaf_team_shards(2)) == 2
    assert leaf_team_shards(1) == [sorted(leaves, key=lambda pk: Team.objects.get(pk=pk).path)]


def test_the_key_of_a_shard_of_many_teams_fits_its_column_and_stays_distinct() -> None:
    many = list(range(100_000, 100_100))
    key = shard_key(many)
    assert len(key) <= NightlyShard._meta.get_field("key").max_length
    assert key == shard_key(reversed(many))
    assert key != shard_key(many[:-1] + [999_999])
    assert shard_key([3, 1]) == "1,3"


def test_a_night_computed_again_drops_the_snapshots_of_a_deleted_target(company, night) -> None:
    night_compute(as_of=night["as_of"])
    rep_a2 = f"rep:{company.rep_a2.pk}"
    assert ProgressSnapshot.objects.filter(owner_key=rep_a2).count() == 5
    Target.objects.filter(rep=company.rep_a2).delete()
    night_compute(as_of=night["as_of"])
    assert not ProgressSnapshot.objects.filter(owner_key=rep_a2).exists()
    assert ProgressSnapshot.objects.filter(owner_key=f"rep:{company.rep_a.pk}").count() == 5


def test_the_night_records_the_seasonal_and_last_year_forecasts(company, night) -> None:
    from tests.factories import CustomerFactory, ProductFactory
    from tests.reports.factories import make_sale

    customer = CustomerFactory(team=company.team_a, owner=company.rep_a)
    product = ProductFactory()
    for day, amount in [
        (dt.date(2025, 1, 20), "120000"),
        (dt.date(2025, 3, 10), "100000"),
        (dt.date(2025, 3, 25), "50000"),
    ]:
        make_sale(day, company.rep_a, customer, product, D(amount))
    daily_actual_refresh(team_ids=[company.team_a.pk], start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    night_compute(as_of=night["as_of"])
    month = month_row(f"rep:{company.rep_a.pk}")
    # 90,000 sold where 110,000 of 220,000 were planned: 90,000 ÷ 0.5.
    assert month.forecast_seasonal == D("180000.00")
    # Last year to 16 March 2025: 120,000 + 100,000; this year 240,000 → growth 240/220.
    # March 2025 in whole: 150,000 × 240/220 = 163,636.36.
    assert month.forecast_last_year == D("163636.36")
    year = ProgressSnapshot.objects.get(owner_key=f"rep:{company.rep_a.pk}", period_kind="year")
    assert year.forecast_seasonal == D("331034.48")  # 240,000 ÷ (290,000 planned / 400,000)
    assert year.forecast_last_year == D("294545.45")  # 270,000 × 240/220
    # rep_a2 sold nothing last year: no last-year forecast.
    assert month_row(f"rep:{company.rep_a2.pk}").forecast_last_year is None
    # Team A's subtree holds rep_a's sales of last year too (March 2025: 150,000; to the day: 220,000;
    # this year 240,000 + 66,000).
    team = month_row(f"team:{company.team_a.pk}")
    assert team.forecast_last_year == D("208636.36")  # 150,000 × 306/220

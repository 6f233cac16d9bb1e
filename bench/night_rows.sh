#!/bin/sh
# The snapshot and KPI rows of the given nights, sorted, every column but the ones that differ by run (id,
# computed_at), one file per table and night, to compare two versions of the night with `cmp`:
#
#     bench/night_rows.sh /tmp/rows-before 2026-11-19 2026-11-20
#
# Reads DATABASE_URL.
set -eu
out=$1
shift
mkdir -p "$out"
snapshot="owner_key, as_of, period_kind, period_start, period_end, target, actual, achievement, time_progress,
 plan_progress, gap_pp, status, forecast, required_daily_rate, rank, metric_id, rep_id, team_id, flags,
 days_elapsed, days_total, forecast_last_year, forecast_seasonal"
kpi="owner_key, as_of, period_kind, period_start, period_end, plan_completion_rate, on_time_filing_rate,
 quality_rate, median_resolution_hours, action_timeliness, attendance_rate, overdue_customers, rep_id, team_id,
 flags"
for night in "$@"; do
    psql -X -q "$DATABASE_URL" -c "\\copy (SELECT $(echo $snapshot) FROM reports_progresssnapshot WHERE as_of = '$night' ORDER BY owner_key, metric_id, period_kind, period_start) TO '$out/snapshots-$night.tsv'"
    psql -X -q "$DATABASE_URL" -c "\\copy (SELECT $(echo $kpi) FROM reports_executionkpisnapshot WHERE as_of = '$night' ORDER BY owner_key, period_kind, period_start) TO '$out/kpis-$night.tsv'"
    wc -l "$out/snapshots-$night.tsv" "$out/kpis-$night.tsv" | head -2
done

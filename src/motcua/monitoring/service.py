"""Monitoring's public face: plans and assignments, daily reports with versions and a cut-off,
and the roll-ups the dashboards and the JSON API show. The work lives in one module per seam
(``plans``, ``reporting``, ``rollups``, ``form``, ``reminders``, ``scope``, ``cutoff``); this
module names what the rest of the application calls."""

from motcua.monitoring.cutoff import cutoff_at, is_late, zone
from motcua.monitoring.form import FormPlan, FormTask, ReportForm, report_form
from motcua.monitoring.plans import (
    Catalogue,
    assign_task,
    catalogue,
    import_plan,
    import_plan_file,
    plan02_document,
    plan_document,
    plans,
    seed_plan02,
    set_exemption,
    spec_of,
)
from motcua.monitoring.reminders import remind_non_reporters, reminder_due, set_contact
from motcua.monitoring.reporting import (
    CSV_COLUMNS,
    MAX_CSV_ROWS,
    Draft,
    own_unit,
    report_versions,
    submit_csv,
    submit_report,
)
from motcua.monitoring.rollups import (
    communes,
    default_day,
    non_reporters,
    province_grid,
    ratio,
    silent_counts,
    summary,
    trend,
)
from motcua.monitoring.scope import (
    REPORTING_ROLES,
    ResolvedScope,
    find_unit,
    may_report,
    resolve_scope,
)

_reporting_agency = find_unit  # the name older callers know

__all__ = [
    "CSV_COLUMNS",
    "MAX_CSV_ROWS",
    "REPORTING_ROLES",
    "Catalogue",
    "Draft",
    "FormPlan",
    "FormTask",
    "ReportForm",
    "ResolvedScope",
    "assign_task",
    "catalogue",
    "communes",
    "cutoff_at",
    "default_day",
    "find_unit",
    "import_plan",
    "import_plan_file",
    "is_late",
    "may_report",
    "non_reporters",
    "own_unit",
    "plan02_document",
    "plan_document",
    "plans",
    "province_grid",
    "ratio",
    "remind_non_reporters",
    "reminder_due",
    "report_form",
    "report_versions",
    "resolve_scope",
    "seed_plan02",
    "set_contact",
    "set_exemption",
    "silent_counts",
    "spec_of",
    "submit_csv",
    "submit_report",
    "summary",
    "trend",
    "zone",
]

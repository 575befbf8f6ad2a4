"""monitoring: plans, tasks, indicators, assignments, reports, day snapshots

Revision ID: 0003_monitoring
Revises: 0002_identity
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_monitoring"
down_revision: str | None = "0002_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitoring_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("phases", sa.JSON(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_plans")),
        sa.UniqueConstraint("code", name=op.f("uq_monitoring_plans_code")),
    )
    op.create_table(
        "monitoring_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "ministry", "province", "commune", name="tasklevel", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("done_criterion", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["monitoring_plans.id"],
            name=op.f("fk_monitoring_tasks_plan_id_monitoring_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_tasks")),
        sa.UniqueConstraint("code", name=op.f("uq_monitoring_tasks_code")),
    )
    with op.batch_alter_table("monitoring_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monitoring_tasks_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "monitoring_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "yes_no",
                "number",
                "percentage",
                "checklist",
                name="indicatorkind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("unit_label", sa.String(length=40), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["monitoring_tasks.id"],
            name=op.f("fk_monitoring_indicators_task_id_monitoring_tasks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_indicators")),
        sa.UniqueConstraint("task_id", name=op.f("uq_monitoring_indicators_task_id")),
    )
    op.create_table(
        "monitoring_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "ministry", "province", "commune", name="tasklevel", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("province_code", sa.String(length=5), nullable=True),
        sa.Column("exempt", sa.Boolean(), nullable=False),
        sa.Column("exempt_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_monitoring_assignments_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["monitoring_tasks.id"],
            name=op.f("fk_monitoring_assignments_task_id_monitoring_tasks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_assignments")),
        sa.UniqueConstraint("task_id", "agency_id", name=op.f("uq_monitoring_assignments_task_id")),
    )
    with op.batch_alter_table("monitoring_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_assignments_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(
            "ix_monitoring_assignments_scope", ["level", "province_code"], unique=False
        )

    op.create_table(
        "monitoring_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_monitoring_reports_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_monitoring_reports_officer_id_officers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_reports")),
        sa.UniqueConstraint(
            "agency_id", "day", "version", name=op.f("uq_monitoring_reports_agency_id")
        ),
    )
    op.create_table(
        "monitoring_unit_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "ministry", "province", "commune", name="tasklevel", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("province_code", sa.String(length=5), nullable=True),
        sa.Column("first_submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.Column("latest_report_id", sa.Integer(), nullable=False),
        sa.Column("latest_status", sa.String(length=8), nullable=False),
        sa.Column("cutoff_report_id", sa.Integer(), nullable=True),
        sa.Column("cutoff_status", sa.String(length=8), nullable=True),
        sa.Column("n_green", sa.Integer(), nullable=False),
        sa.Column("n_yellow", sa.Integer(), nullable=False),
        sa.Column("n_red", sa.Integer(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_monitoring_unit_days_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("day", "agency_id", name=op.f("pk_monitoring_unit_days")),
    )
    with op.batch_alter_table("monitoring_unit_days", schema=None) as batch_op:
        batch_op.create_index(
            "ix_monitoring_unit_days_agency_day", ["agency_id", "day"], unique=False
        )
        batch_op.create_index(
            "ix_monitoring_unit_days_scope", ["day", "level", "province_code"], unique=False
        )

    op.create_table(
        "monitoring_checklist_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "ministry", "province", "commune", name="tasklevel", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("province_code", sa.String(length=5), nullable=True),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_monitoring_checklist_days_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["monitoring_tasks.id"],
            name=op.f("fk_monitoring_checklist_days_task_id_monitoring_tasks"),
        ),
        sa.PrimaryKeyConstraint(
            "day", "agency_id", "task_id", name=op.f("pk_monitoring_checklist_days")
        ),
    )
    with op.batch_alter_table("monitoring_checklist_days", schema=None) as batch_op:
        batch_op.create_index(
            "ix_monitoring_checklist_days_scope", ["day", "task_id", "level"], unique=False
        )


def downgrade() -> None:
    op.drop_table("monitoring_checklist_days")
    op.drop_table("monitoring_unit_days")
    op.drop_table("monitoring_reports")
    op.drop_table("monitoring_assignments")
    op.drop_table("monitoring_indicators")
    op.drop_table("monitoring_tasks")
    op.drop_table("monitoring_plans")

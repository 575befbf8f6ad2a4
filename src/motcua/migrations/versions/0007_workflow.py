"""workflow: process definitions, cases, visits, supplements, violations, results

Revision ID: 0007_workflow
Revises: 0006_dossiers
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_workflow"
down_revision: str | None = "0006_dossiers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "workflow_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column("agency_key", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["officers.id"],
            name=op.f("fk_workflow_definitions_created_by_officers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_definitions")),
        sa.UniqueConstraint(
            "procedure_code", "agency_key", "version", name="uq_workflow_definitions_version"
        ),
    )
    op.create_table(
        "workflow_violations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("dossier_code", sa.String(length=64), nullable=False),
        sa.Column("asked", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_workflow_violations_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_workflow_violations_officer_id_officers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_violations")),
    )
    with op.batch_alter_table("workflow_violations", schema=None) as batch_op:
        batch_op.create_index("ix_workflow_violations_agency_at", ["agency_id", "at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_workflow_violations_dossier_code"), ["dossier_code"], unique=False
        )

    op.create_table(
        "workflow_cases",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=True),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("step_kind", sa.String(length=16), nullable=False),
        sa.Column("current_agency_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flag", sa.String(length=16), nullable=True),
        sa.Column("apologised", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["officers.id"], name=op.f("fk_workflow_cases_assignee_id_officers")
        ),
        sa.ForeignKeyConstraint(
            ["current_agency_id"],
            ["agencies.id"],
            name=op.f("fk_workflow_cases_current_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["workflow_definitions.id"],
            name=op.f("fk_workflow_cases_definition_id_workflow_definitions"),
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_workflow_cases_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_workflow_cases")),
    )
    with op.batch_alter_table("workflow_cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_workflow_cases_queue",
            ["current_agency_id", "open", "due_at", "dossier_id"],
            unique=False,
        )
        batch_op.create_index("ix_workflow_cases_sweep", ["open", "due_at"], unique=False)

    op.create_table(
        "workflow_results",
        sa.Column("verify_code", sa.String(length=32), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("signer_subject", sa.String(length=300), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_workflow_results_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_workflow_results_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("verify_code", name=op.f("pk_workflow_results")),
    )
    with op.batch_alter_table("workflow_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workflow_results_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_workflow_results_sha256"), ["sha256"], unique=False)

    op.create_table(
        "workflow_supplements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("requirement_keys", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_days", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_workflow_supplements_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["officers.id"],
            name=op.f("fk_workflow_supplements_officer_id_officers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_supplements")),
    )
    with op.batch_alter_table("workflow_supplements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workflow_supplements_dossier_id"), ["dossier_id"], unique=False
        )

    op.create_table(
        "workflow_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("share_days", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_days", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_workflow_visits_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_workflow_visits_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_visits")),
        sa.UniqueConstraint("dossier_id", "seq", name="uq_workflow_visits_seq"),
    )
    with op.batch_alter_table("workflow_visits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_workflow_visits_agency_dossier", ["agency_id", "dossier_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("workflow_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_workflow_visits_agency_dossier")

    op.drop_table("workflow_visits")
    with op.batch_alter_table("workflow_supplements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workflow_supplements_dossier_id"))

    op.drop_table("workflow_supplements")
    with op.batch_alter_table("workflow_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workflow_results_sha256"))
        batch_op.drop_index(batch_op.f("ix_workflow_results_dossier_id"))

    op.drop_table("workflow_results")
    with op.batch_alter_table("workflow_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_workflow_cases_sweep")
        batch_op.drop_index("ix_workflow_cases_queue")

    op.drop_table("workflow_cases")
    with op.batch_alter_table("workflow_violations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workflow_violations_dossier_code"))
        batch_op.drop_index("ix_workflow_violations_agency_at")

    op.drop_table("workflow_violations")
    op.drop_table("workflow_definitions")

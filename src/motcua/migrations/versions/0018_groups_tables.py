"""catalog: groups of interconnected procedures; groups: group filings, their members and
their history

Revision ID: 0018_groups_tables
Revises: 0017_declarations
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_groups_tables"
down_revision: str | Sequence[str] | None = "0017_declarations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "catalog_groups",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_catalog_groups")),
    )
    op.create_index(op.f("ix_catalog_groups_procedure_code"), "catalog_groups", ["procedure_code"])
    op.create_table(
        "group_filings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("group_code", sa.String(length=40), nullable=False),
        sa.Column("group_name", sa.String(length=500), nullable=False),
        sa.Column("combination", sa.String(length=40), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("applicant_number", sa.String(length=12), nullable=False),
        sa.Column("subject_key", sa.String(length=200), nullable=False),
        sa.Column("actor_number", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("receiving_agency_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("verification_due_at", UTC, nullable=True),
        sa.Column("declaration", sa.JSON(), nullable=False),
        sa.Column("reads", sa.JSON(), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["receiving_agency_id"],
            ["agencies.id"],
            name=op.f("fk_group_filings_receiving_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_filings")),
        sa.UniqueConstraint("code", name=op.f("uq_group_filings_code")),
        sa.UniqueConstraint("actor_number", "idempotency_key", name="uq_group_filings_idempotency"),
    )
    op.create_index(
        op.f("ix_group_filings_receiving_agency_id"), "group_filings", ["receiving_agency_id"]
    )
    op.create_index(op.f("ix_group_filings_subject_key"), "group_filings", ["subject_key"])
    op.create_index(
        "ix_group_filings_applicant", "group_filings", ["applicant_number", "received_at"]
    )
    op.create_table(
        "group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filing_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column("procedure_name", sa.String(length=500), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("after_key", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("due_at", UTC, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["filing_id"],
            ["group_filings.id"],
            name=op.f("fk_group_members_filing_id_group_filings"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_group_members_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_group_members_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_members")),
        sa.UniqueConstraint("filing_id", "key", name="uq_group_members_key"),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_group_members_dossier_id")),
    )
    op.create_index(op.f("ix_group_members_filing_id"), "group_members", ["filing_id"])
    op.create_table(
        "group_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filing_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("member_key", sa.String(length=64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["filing_id"],
            ["group_filings.id"],
            name=op.f("fk_group_events_filing_id_group_filings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_events")),
    )
    op.create_index(op.f("ix_group_events_filing_id"), "group_events", ["filing_id"])


def downgrade() -> None:
    op.drop_table("group_events")
    op.drop_table("group_members")
    op.drop_table("group_filings")
    op.drop_table("catalog_groups")

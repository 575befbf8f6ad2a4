"""once-only: whose evidence a requirement is and the fields it reads; the people an
application's reads concern; the fields each read asked for; the read a registry item was
copied from; where an application is filed

Revision ID: 0016_subject_roles
Revises: 0012_result_evidence, 0014_one_evidence_item, 0015_tracking_salt,
    0010_applications
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_subject_roles"
down_revision: str | Sequence[str] | None = (
    "0012_result_evidence",
    "0014_one_evidence_item",
    "0015_tracking_salt",
    "0010_applications",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "requirements",
        sa.Column("subject", sa.String(length=16), nullable=False, server_default="applicant"),
    )
    op.add_column(
        "requirements", sa.Column("fields", sa.JSON(), nullable=False, server_default="[]")
    )
    op.add_column("exchange_access_log", sa.Column("fields", sa.JSON(), nullable=True))
    op.add_column("dossier_items", sa.Column("evidence", sa.JSON(), nullable=True))
    op.add_column(
        "applications", sa.Column("receiving_agency", sa.String(length=35), nullable=True)
    )
    op.create_table(
        "exchange_consent_subjects",
        sa.Column(
            "consent_reference",
            sa.String(length=36),
            sa.ForeignKey("exchange_consents.reference", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("role", sa.String(length=16), primary_key=True),
        sa.Column("personal_id", sa.String(length=12), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("ground", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_exchange_consent_subjects_person",
        "exchange_consent_subjects",
        ["personal_id", "state"],
    )


def downgrade() -> None:
    op.drop_index("ix_exchange_consent_subjects_person", "exchange_consent_subjects")
    op.drop_table("exchange_consent_subjects")
    op.drop_column("applications", "receiving_agency")
    op.drop_column("dossier_items", "evidence")
    op.drop_column("exchange_access_log", "fields")
    op.drop_column("requirements", "fields")
    op.drop_column("requirements", "subject")

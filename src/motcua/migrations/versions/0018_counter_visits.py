"""dossiers: a walk-in citizen at a one-stop counter (identity check, consent given in person)

Revision ID: 0018_counter_visits
Revises: 0017_declarations (and needs the dossiers, identity and exchange tables)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_counter_visits"
down_revision: str | None = "0017_declarations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("0006_dossiers", "0002_identity", "0004_exchange")


def upgrade() -> None:
    op.create_table(
        "counter_visits",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("consent_reference", sa.String(length=36), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("officer_number", sa.String(length=12), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("citizen_number", sa.String(length=12), nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column(
            "identity_check",
            sa.Enum("chip_card", "vneid", name="identitycheck", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("citizen_name", sa.String(length=200), nullable=True),
        sa.Column("dossier_code", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_reference"],
            ["exchange_consents.reference"],
            name=op.f("fk_counter_visits_consent_reference_exchange_consents"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_counter_visits_officer_id_officers")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_counter_visits_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counter_visits")),
        sa.UniqueConstraint("consent_reference", name=op.f("uq_counter_visits_consent_reference")),
    )
    op.create_index(
        op.f("ix_counter_visits_officer_id"), "counter_visits", ["officer_id"], unique=False
    )
    op.create_index(
        op.f("ix_counter_visits_citizen_number"), "counter_visits", ["citizen_number"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_counter_visits_citizen_number"), table_name="counter_visits")
    op.drop_index(op.f("ix_counter_visits_officer_id"), table_name="counter_visits")
    op.drop_table("counter_visits")

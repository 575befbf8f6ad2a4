"""assisted: filings made with a community digital team member (who assisted, where, how the
citizen confirmed, the dossier filed)

Revision ID: 0019_assisted_filings
Revises: 0017_declarations (a head of its own; the merge re-chains heads)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_assisted_filings"
down_revision: str | None = "0017_declarations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assisted_filings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("helper_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("citizen_number", sa.String(length=12), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "waiting",
                "confirmed",
                "filed",
                "closed",
                name="assiststate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirm_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "method",
            sa.Enum("vneid", name="confirmmethod", native_enum=False, length=16),
            nullable=True,
        ),
        sa.Column("citizen_name", sa.String(length=200), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("file_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["helper_id"], ["officers.id"], name=op.f("fk_assisted_filings_helper_id_officers")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_assisted_filings_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_assisted_filings_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assisted_filings")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_assisted_filings_dossier_id")),
    )
    op.create_index(
        op.f("ix_assisted_filings_helper_id"), "assisted_filings", ["helper_id"], unique=False
    )
    op.create_index(
        "ix_assisted_filings_commune_filed",
        "assisted_filings",
        ["commune_code", "filed_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_assisted_filings_commune_filed", table_name="assisted_filings")
    op.drop_index(op.f("ix_assisted_filings_helper_id"), table_name="assisted_filings")
    op.drop_table("assisted_filings")

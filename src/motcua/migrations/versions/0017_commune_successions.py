"""units: commune-level successions (a former commune split between several 2025 communes has
one row per successor, the preferred one marked); legacy: dossiers imported from the former
provincial one-stop systems and their old codes

Revision ID: 0017_commune_successions
Revises: 0016_subject_roles
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_commune_successions"
down_revision: str | Sequence[str] | None = "0016_subject_roles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unit_successions", recreate="always") as batch_op:
        batch_op.add_column(sa.Column("old_district", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column("preferred", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.drop_constraint("pk_unit_successions", type_="primary")
        batch_op.create_primary_key(
            "pk_unit_successions", ["old_code", "old_level", "successor_code"]
        )

    op.create_table(
        "legacy_dossiers",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("old_code", sa.String(length=64), nullable=False),
        sa.Column("source_system", sa.String(length=120), nullable=False),
        sa.Column("old_agency_code", sa.String(length=64), nullable=True),
        sa.Column("old_unit_code", sa.String(length=5), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_legacy_dossiers_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_legacy_dossiers")),
        sa.UniqueConstraint("old_code", name="uq_legacy_dossiers_old_code"),
    )


def downgrade() -> None:
    op.drop_table("legacy_dossiers")
    op.execute("DELETE FROM unit_successions WHERE NOT preferred")
    with op.batch_alter_table("unit_successions", recreate="always") as batch_op:
        batch_op.drop_constraint("pk_unit_successions", type_="primary")
        batch_op.create_primary_key("pk_unit_successions", ["old_code", "old_level"])
        batch_op.drop_column("preferred")
        batch_op.drop_column("old_district")

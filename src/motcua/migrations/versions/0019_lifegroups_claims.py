"""lifegroups: one registration per birth or death (registration_claims); the combination an
offer files its group with

Revision ID: 0019_lifegroups_claims
Revises: 0018_offers_events
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_lifegroups_claims"
down_revision: str | None = "0018_offers_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registration_claims",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("dossier_code", sa.String(length=64), nullable=False),
        sa.Column("shown_code", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_registration_claims")),
    )
    with op.batch_alter_table("offers") as batch:
        batch.add_column(sa.Column("combination", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.drop_column("combination")
    op.drop_table("registration_claims")

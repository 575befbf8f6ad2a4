"""dossiers: the applicant's rating after the result

Revision ID: 0018_ratings
Revises: 0018_feed
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from motcua.core.models import UtcDateTime

revision: str = "0018_ratings"
down_revision: str | None = "0018_feed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dossier_ratings",
        sa.Column(
            "dossier_id",
            sa.Integer(),
            sa.ForeignKey("dossiers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("rated_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dossier_ratings")

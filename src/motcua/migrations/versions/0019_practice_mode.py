"""practice mode: practice agency twins, practice dossiers, the session's practice flag

Revision ID: 0019_practice_mode
Revises: 0018_ratings
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_practice_mode"
down_revision: str | None = "0018_ratings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0002_identity"  # api_tokens


def upgrade() -> None:
    # Plain columns (no table rebuild on SQLite); the twin's link is checked by the code that
    # writes it, and its unique index keeps one twin per agency.
    op.add_column("agencies", sa.Column("practice_of_id", sa.Integer(), nullable=True))
    op.create_index("ux_agencies_practice_of", "agencies", ["practice_of_id"], unique=True)
    op.add_column(
        "dossiers",
        sa.Column("practice", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "api_tokens",
        sa.Column("practice", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("practice")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("practice")
    op.drop_index("ux_agencies_practice_of", "agencies")
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("practice_of_id")

"""dossiers: the tracking secret is derived from a salt of its own, not from the dossier code

Revision ID: 0015_tracking_salt
Revises: 0006_dossiers
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_tracking_salt"
down_revision: str | None = "0006_dossiers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Added with an empty default, which both databases do in place: rebuilding the table on
    # SQLite would copy every dossier under foreign-key checks. Secrets already handed out were
    # derived from the code, so their salt is the code.
    op.add_column(
        "dossiers",
        sa.Column("tracking_salt", sa.String(length=64), nullable=False, server_default=""),
    )
    op.execute("UPDATE dossiers SET tracking_salt = code")
    if op.get_bind().dialect.name == "postgresql":  # SQLite cannot drop a default in place
        op.alter_column("dossiers", "tracking_salt", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("tracking_salt")

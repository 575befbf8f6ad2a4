"""officers' e-mail, for deadline notices

Revision ID: 0011_officer_email
Revises: 0008_citizens
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_officer_email"
down_revision: str | None = "0008_citizens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("officers") as batch:
        batch.add_column(sa.Column("email", sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("officers") as batch:
        batch.drop_column("email")

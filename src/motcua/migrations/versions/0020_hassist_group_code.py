"""assisted: a filing of a group of procedures records the group's code beside its first
member's dossier

Revision ID: 0020_hassist_group_code
Revises: 0019_assisted_filings
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_hassist_group_code"
down_revision: str | None = "0019_assisted_filings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assisted_filings") as batch:
        batch.add_column(sa.Column("group_code", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assisted_filings") as batch:
        batch.drop_column("group_code")

"""monitoring: an optional English title for plans and tasks and English labels for a plan's
task groups, shown on the pages in English mode (absent: the Vietnamese)

Revision ID: 0021_monpages_english_titles
Revises: 0020_h18speed_totals
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_monpages_english_titles"
down_revision: str | Sequence[str] | None = "0020_h18speed_totals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain default, so SQLite adds the columns in place: rebuilding the plans' table
    # would drop a table the tasks refer to
    with op.batch_alter_table("monitoring_plans") as batch:
        batch.add_column(sa.Column("title_en", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("groups_en", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("monitoring_tasks") as batch:
        batch.add_column(sa.Column("title_en", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("monitoring_tasks") as batch:
        batch.drop_column("title_en")
    with op.batch_alter_table("monitoring_plans") as batch:
        batch.drop_column("groups_en")
        batch.drop_column("title_en")

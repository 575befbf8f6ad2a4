"""h19offer: a birth offer filed without waiting for the other parent's confirmation

Revision ID: 0020_h19offer_other_parent
Revises: 0019_lifegroups_claims
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_h19offer_other_parent"
down_revision: str | None = "0019_lifegroups_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.add_column(
            sa.Column(
                "without_other_parent", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.drop_column("without_other_parent")

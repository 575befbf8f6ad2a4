"""journeys: the consent keeps the actor's name from their e-ID session (a person asked to
confirm a read of their data is told who asks by name)

Revision ID: 0021_journeys_consent_actor_name
Revises: 0020_h19offer_other_parent
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_journeys_consent_actor_name"
down_revision: str | None = "0020_h19offer_other_parent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exchange_consents") as batch:
        batch.add_column(sa.Column("actor_full_name", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exchange_consents") as batch:
        batch.drop_column("actor_full_name")

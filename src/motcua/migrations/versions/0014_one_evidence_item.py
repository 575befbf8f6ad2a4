"""evidence items: one row per application and requirement (a new fetch replaces it in place)

Revision ID: 0014_one_evidence_item
Revises: 0013_access_log_sealing
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_one_evidence_item"
down_revision: str | None = "0013_access_log_sealing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "exchange_evidence_items"
INDEX = "ix_exchange_evidence_items_consent"


def upgrade() -> None:
    # Two fetches of one application at the same moment could each leave a row; the later wins.
    op.execute(
        f"DELETE FROM {TABLE} WHERE id NOT IN "
        f"(SELECT max(id) FROM {TABLE} GROUP BY consent_reference, key)"
    )
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(INDEX, TABLE, ["consent_reference", "key"], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(INDEX, TABLE, ["consent_reference", "key"], unique=False)

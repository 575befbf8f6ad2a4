"""access log: records written without a lock, sealed into the chain afterwards

Revision ID: 0013_access_log_sealing
Revises: 0004_exchange
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_access_log_sealing"
down_revision: str | None = "0004_exchange"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "exchange_access_log"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The record number now comes from a sequence (SQLite's INTEGER PRIMARY KEY is one).
        op.execute(f"CREATE SEQUENCE {TABLE}_seq_seq OWNED BY {TABLE}.seq")
        op.execute(
            f"SELECT setval('{TABLE}_seq_seq', COALESCE((SELECT max(seq) FROM {TABLE}), 0) + 1, "
            "false)"
        )
        op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN seq SET DEFAULT nextval('{TABLE}_seq_seq')")
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=True)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=True)
        batch.create_unique_constraint(op.f("uq_exchange_access_log_chain_seq"), ["chain_seq"])
    # Records written before this were chained at once, in record order.
    op.execute(f"UPDATE {TABLE} SET chain_seq = seq")


def downgrade() -> None:
    unsealed = op.get_bind().scalar(
        sa.text(f"SELECT count(*) FROM {TABLE} WHERE chain_seq IS NULL")
    )
    if unsealed:
        raise RuntimeError(f"{unsealed} access-log records are not sealed: run `motcua audit seal`")
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(op.f("uq_exchange_access_log_chain_seq"), type_="unique")
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch.drop_column("chain_seq")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN seq DROP DEFAULT")
        op.execute(f"DROP SEQUENCE {TABLE}_seq_seq")

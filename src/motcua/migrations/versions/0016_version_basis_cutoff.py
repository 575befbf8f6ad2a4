"""catalog: a version's public "Căn cứ" text and whether its rules set the day's receipt cut-off

Revision ID: 0016_version_basis_cutoff
Revises: 0012_result_evidence
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_version_basis_cutoff"
down_revision: str | None = "0012_result_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN with a default on both databases: a batch copy of the table on SQLite
    # would drop the full-text triggers the foundation put on procedure_versions. Versions
    # already published get no cut-off and an empty note; the next import of the catalog gives
    # the procedures whose rules set one a new version that says so.
    op.add_column(
        "procedure_versions",
        sa.Column("basis_note", sa.Text(), nullable=False, server_default=""),
    )
    op.add_column(
        "procedure_versions",
        sa.Column("same_day_cutoff", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite 3.35+ drops a plain column in place (no index, key or constraint on these).
        op.execute("ALTER TABLE procedure_versions DROP COLUMN same_day_cutoff")
        op.execute("ALTER TABLE procedure_versions DROP COLUMN basis_note")
        return
    op.drop_column("procedure_versions", "same_day_cutoff")
    op.drop_column("procedure_versions", "basis_note")

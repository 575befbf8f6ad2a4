"""dossiers, workflow, applications, legacy: the dossier's province on the other rows keyed by
one dossier (rating, supplement requests, signed results, disclosures, payment, legacy record),
copied from the dossier (docs/scaling.md section 5)

Revision ID: 0022_citus_province_more
Revises: 0022_citus_province_code
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_citus_province_more"
down_revision: str | Sequence[str] | None = "0022_citus_province_code"
branch_labels: str | Sequence[str] | None = None
# The migrations that made these tables, each on a branch of its own.
depends_on: str | Sequence[str] | None = (
    "0018_ratings",
    "0016_disclosures",
    "0010_applications",
    "0017_commune_successions",
)

TABLES = (
    "dossier_ratings",
    "workflow_supplements",
    "workflow_results",
    "workflow_disclosures",
    "application_payments",
    "legacy_dossiers",
)

FILL = """UPDATE {table} SET province_code = dossiers.province_code
FROM dossiers
WHERE dossiers.id = {table}.dossier_id AND dossiers.province_code <> ''"""


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table, sa.Column("province_code", sa.String(5), nullable=False, server_default="")
        )
        op.execute(FILL.format(table=table))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("province_code")

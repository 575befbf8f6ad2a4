"""dossiers and workflow: the receiving agency's province on a dossier and on the rows keyed
by it (items, history, case, visits), filled from the agency's unit; the key a distributed
database places them by (docs/scaling.md section 5)

Revision ID: 0022_citus_province_code
Revises: 0019_growth_archive
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_citus_province_code"
# The newest migration of the dossiers' own chain (their history is partitioned by month).
down_revision: str | Sequence[str] | None = "0019_growth_archive"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0016_disclosures"  # workflow: cases and visits

# Keyed by a dossier; on PostgreSQL ``dossier_events`` is partitioned by month, and a column
# added to it reaches every partition.
BY_DOSSIER = ("dossier_items", "dossier_events", "workflow_cases", "workflow_visits")

# The agency's province: its unit's code at a province, its unit's province at a commune;
# an agency with no unit (a ministry) keeps "".
FILL_DOSSIERS = """UPDATE dossiers SET province_code = p.province
FROM (SELECT a.id AS agency_id,
             CASE WHEN u.level = 'province' THEN u.code ELSE u.province_code END AS province
      FROM agencies a JOIN admin_units u ON u.code = a.unit_code) AS p
WHERE p.agency_id = dossiers.receiving_agency_id AND p.province IS NOT NULL"""

FILL_ROWS = """UPDATE {table} SET province_code = dossiers.province_code
FROM dossiers
WHERE dossiers.id = {table}.dossier_id AND dossiers.province_code <> ''"""


def _column() -> sa.Column[str]:
    return sa.Column("province_code", sa.String(5), nullable=False, server_default="")


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("dossiers", _column())
    for table in BY_DOSSIER:
        op.add_column(table, _column())
    op.execute(FILL_DOSSIERS)
    for table in BY_DOSSIER:
        op.execute(FILL_ROWS.format(table=table))
    # The queue of an agency in a province names it: an ordered walk per province.
    op.create_index(
        "ix_workflow_cases_queue_province",
        "workflow_cases",
        ["current_agency_id", "open", "province_code", "due_at", "dossier_id"],
    )
    if bind.dialect.name == "postgresql":
        # Months the archive detached (core.partitions) stay tables of their own: they get the
        # column too, so they keep the live table's shape and could be attached again.
        for (name,) in bind.execute(
            sa.text(
                "SELECT partition FROM archived_months WHERE table_name = 'dossier_events'"
                " AND to_regclass(partition) IS NOT NULL"
            )
        ):
            op.execute(
                f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS province_code"
                " VARCHAR(5) NOT NULL DEFAULT ''"
            )
            op.execute(FILL_ROWS.format(table=name))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for (name,) in bind.execute(
            sa.text(
                "SELECT partition FROM archived_months WHERE table_name = 'dossier_events'"
                " AND to_regclass(partition) IS NOT NULL"
            )
        ):
            op.execute(f"ALTER TABLE {name} DROP COLUMN IF EXISTS province_code")
    op.drop_index("ix_workflow_cases_queue_province", "workflow_cases")
    for table in (*BY_DOSSIER, "dossiers"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("province_code")

"""the kind of e-result a procedure version issues, for reuse by later procedures

Revision ID: 0012_result_evidence
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_result_evidence"
# The catalog's tables are in the foundation and no later revision changes them: the catalog
# branch continues from there.
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMN = "result_evidence_type_code"
FK = "fk_procedure_versions_result_evidence_type_code_evidence_types"
INDEX = "ix_procedure_versions_result_evidence_type_code"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # ADD COLUMN with an inline REFERENCES: a batch copy of the table would drop the
        # full-text triggers the foundation put on procedure_versions.
        op.execute(
            f"ALTER TABLE procedure_versions ADD COLUMN {COLUMN} VARCHAR(64) "
            f"CONSTRAINT {FK} REFERENCES evidence_types (code)"
        )
    else:
        op.add_column("procedure_versions", sa.Column(COLUMN, sa.String(length=64), nullable=True))
        op.create_foreign_key(FK, "procedure_versions", "evidence_types", [COLUMN], ["code"])
    op.create_index(INDEX, "procedure_versions", [COLUMN], unique=False)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="procedure_versions")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FK, "procedure_versions", type_="foreignkey")
        op.drop_column("procedure_versions", COLUMN)
        return
    # SQLite drops a column under a foreign key only by copying the table, which loses the
    # triggers: put the foundation's full-text triggers back afterwards.
    with op.batch_alter_table("procedure_versions", recreate="always") as batch:
        batch.drop_column(COLUMN)
    for statement in FTS_TRIGGERS:
        op.execute(statement)


FTS_TRIGGERS = (
    "CREATE TRIGGER procedure_versions_fts_insert AFTER INSERT ON procedure_versions BEGIN "
    "INSERT INTO procedure_versions_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER procedure_versions_fts_delete AFTER DELETE ON procedure_versions BEGIN "
    "INSERT INTO procedure_versions_fts(procedure_versions_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER procedure_versions_fts_update AFTER UPDATE OF search_text "
    "ON procedure_versions BEGIN "
    "INSERT INTO procedure_versions_fts(procedure_versions_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO procedure_versions_fts(rowid, search_text) VALUES (new.id, new.search_text); "
    "END",
)

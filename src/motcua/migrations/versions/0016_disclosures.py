"""workflow: what an officer was shown beyond the page (full personal number, a file), and the
day a supplement request asks the applicant to answer by

Revision ID: 0016_disclosures
Revises: 0007_workflow (and needs 0002_identity: it refers to officers)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_disclosures"
down_revision: str | None = "0007_workflow"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0002_identity"


def upgrade() -> None:
    op.create_table(
        "workflow_disclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=16), nullable=False),
        sa.Column("upload_id", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_workflow_disclosures_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["officers.id"],
            name=op.f("fk_workflow_disclosures_officer_id_officers"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_workflow_disclosures_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_disclosures")),
    )
    op.create_index(
        op.f("ix_workflow_disclosures_dossier_id"),
        "workflow_disclosures",
        ["dossier_id"],
        unique=False,
    )
    # A plain nullable column: both databases add it in place.
    op.add_column("workflow_supplements", sa.Column("answer_by", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workflow_supplements") as batch:
        batch.drop_column("answer_by")
    op.drop_index(op.f("ix_workflow_disclosures_dossier_id"), table_name="workflow_disclosures")
    op.drop_table("workflow_disclosures")

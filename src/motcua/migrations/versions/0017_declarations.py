"""catalog: a requirement's declaration (tờ khai) as a JSON Schema

Revision ID: 0017_declarations
Revises: 0016_subject_roles
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_declarations"
down_revision: str | None = "0016_subject_roles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("requirements", sa.Column("declaration", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("requirements", "declaration")

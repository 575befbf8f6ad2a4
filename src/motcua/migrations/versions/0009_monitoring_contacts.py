"""monitoring contacts for reminders

Revision ID: 0009_monitoring_contacts
Revises: 0003_monitoring, 0005_outbox_notify
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_monitoring_contacts"
down_revision: str | Sequence[str] | None = ("0003_monitoring", "0005_outbox_notify")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitoring_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("email", "sms", name="channel", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_monitoring_contacts_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_contacts")),
        sa.UniqueConstraint(
            "agency_id", "channel", "address", name=op.f("uq_monitoring_contacts_agency_id")
        ),
    )
    op.create_index(op.f("ix_monitoring_contacts_agency_id"), "monitoring_contacts", ["agency_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_monitoring_contacts_agency_id"), table_name="monitoring_contacts")
    op.drop_table("monitoring_contacts")

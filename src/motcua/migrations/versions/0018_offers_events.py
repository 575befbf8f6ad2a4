"""offers: registry events, the feeds' cursors, proactive offers

Revision ID: 0018_offers_events
Revises: 0017_declarations
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_offers_events"
down_revision: str | None = "0017_declarations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "offer_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registry_code", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_personal_id", sa.String(length=12), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_events")),
        sa.UniqueConstraint(
            "registry_code", "event_id", name=op.f("uq_offer_events_registry_code")
        ),
    )
    op.create_index(
        op.f("ix_offer_events_subject_personal_id"), "offer_events", ["subject_personal_id"]
    )
    op.create_table(
        "offer_feed_cursors",
        sa.Column("registry_code", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.String(length=64), nullable=True),
        sa.Column("polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("registry_code", name=op.f("pk_offer_feed_cursors")),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("event_row_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column("person_personal_id", sa.String(length=12), nullable=False),
        sa.Column("concerns_personal_id", sa.String(length=12), nullable=True),
        sa.Column("concerns_role", sa.String(length=16), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("prefill", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "paused",
                "filed",
                "declined",
                name="offerstate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("application_id", sa.String(length=32), nullable=True),
        sa.Column("dossier_code", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_row_id"],
            ["offer_events.id"],
            name=op.f("fk_offers_event_row_id_offer_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint(
            "event_row_id", "person_personal_id", name=op.f("uq_offers_event_row_id")
        ),
    )
    op.create_index("ix_offers_person", "offers", ["person_personal_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_offers_person", table_name="offers")
    op.drop_table("offers")
    op.drop_table("offer_feed_cursors")
    op.drop_index(op.f("ix_offer_events_subject_personal_id"), table_name="offer_events")
    op.drop_table("offer_events")

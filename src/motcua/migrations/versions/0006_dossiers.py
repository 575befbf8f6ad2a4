"""dossiers

Revision ID: 0006_dossiers
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_dossiers"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "dossier_counters",
        sa.Column("agency_code", sa.String(length=35), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agency_code", "day", name=op.f("pk_dossier_counters")),
    )
    op.create_table(
        "dossier_uploads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_number", sa.String(length=12), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_uploads")),
    )
    with op.batch_alter_table("dossier_uploads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dossier_uploads_owner_number"), ["owner_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dossier_uploads_sha256"), ["sha256"], unique=False)

    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("procedure_version_id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column("procedure_name", sa.String(length=500), nullable=False),
        sa.Column("receiving_agency_id", sa.Integer(), nullable=False),
        sa.Column("applicant_number", sa.String(length=12), nullable=False),
        sa.Column("actor_number", sa.String(length=12), nullable=False),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("online", "counter", "post", name="channel", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "received",
                "in_progress",
                "supplement_requested",
                "result_ready",
                "returned",
                "refused",
                "withdrawn",
                name="dossierstate",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fee_vnd", sa.BigInteger(), nullable=True),
        sa.Column(
            "payment_state",
            sa.Enum(
                "not_required",
                "unpaid",
                "to_confirm",
                "paid",
                name="paymentstate",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["procedure_version_id"],
            ["procedure_versions.id"],
            name=op.f("fk_dossiers_procedure_version_id_procedure_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["receiving_agency_id"],
            ["agencies.id"],
            name=op.f("fk_dossiers_receiving_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossiers")),
        sa.UniqueConstraint("actor_number", "idempotency_key", name="uq_dossiers_idempotency"),
        sa.UniqueConstraint("code", name=op.f("uq_dossiers_code")),
    )
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dossiers_actor_received", ["actor_number", "received_at"], unique=False
        )
        batch_op.create_index(
            "ix_dossiers_applicant_received", ["applicant_number", "received_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dossiers_procedure_version_id"), ["procedure_version_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dossiers_receiving_agency_id"), ["receiving_agency_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dossiers_state"), ["state"], unique=False)

    op.create_table(
        "dossier_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_number", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column(
            "from_state",
            sa.Enum(
                "received",
                "in_progress",
                "supplement_requested",
                "result_ready",
                "returned",
                "refused",
                "withdrawn",
                name="dossierstate",
                native_enum=False,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_state",
            sa.Enum(
                "received",
                "in_progress",
                "supplement_requested",
                "result_ready",
                "returned",
                "refused",
                "withdrawn",
                name="dossierstate",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_dossier_events_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_events")),
        sa.UniqueConstraint("dossier_id", "seq", name="uq_dossier_events_seq"),
    )
    op.create_table(
        "dossier_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("requirement_key", sa.String(length=64), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "registry", "upload", "counter", name="itemsource", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("upload_id", sa.String(length=32), nullable=True),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_dossier_items_dossier_id_dossiers")
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["dossier_uploads.id"],
            name=op.f("fk_dossier_items_upload_id_dossier_uploads"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_items")),
        sa.UniqueConstraint("dossier_id", "position", name="uq_dossier_items_position"),
    )
    with op.batch_alter_table("dossier_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dossier_items_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dossier_items_upload_id"), ["upload_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("dossier_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_items_upload_id"))
        batch_op.drop_index(batch_op.f("ix_dossier_items_dossier_id"))

    op.drop_table("dossier_items")
    op.drop_table("dossier_events")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossiers_state"))
        batch_op.drop_index(batch_op.f("ix_dossiers_receiving_agency_id"))
        batch_op.drop_index(batch_op.f("ix_dossiers_procedure_version_id"))
        batch_op.drop_index("ix_dossiers_applicant_received")
        batch_op.drop_index("ix_dossiers_actor_received")

    op.drop_table("dossiers")
    with op.batch_alter_table("dossier_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_uploads_sha256"))
        batch_op.drop_index(batch_op.f("ix_dossier_uploads_owner_number"))

    op.drop_table("dossier_uploads")
    op.drop_table("dossier_counters")

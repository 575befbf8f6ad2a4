"""applications and payments

Revision ID: 0010_applications
Revises: 0006_dossiers, 0004_exchange
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_applications"
down_revision: str | Sequence[str] | None = ("0006_dossiers", "0004_exchange")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("actor_number", sa.String(length=12), nullable=False),
        sa.Column("subject_number", sa.String(length=12), nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column("procedure_version_id", sa.Integer(), nullable=False),
        sa.Column("consent_reference", sa.String(length=36), nullable=False),
        sa.Column(
            "state",
            sa.Enum("draft", "submitted", name="applicationstate", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("uploads", sa.JSON(), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("dossier_code", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_reference"],
            ["exchange_consents.reference"],
            name=op.f("fk_applications_consent_reference_exchange_consents"),
        ),
        sa.ForeignKeyConstraint(
            ["procedure_version_id"],
            ["procedure_versions.id"],
            name=op.f("fk_applications_procedure_version_id_procedure_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("consent_reference", name=op.f("uq_applications_consent_reference")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_applications_actor_updated", ["actor_number", "updated_at"], unique=False
        )

    op.create_table(
        "application_payments",
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "paid", name="paymentstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("qr_payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("transaction_id", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_application_payments_dossier_id_dossiers"),
        ),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_application_payments")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_application_payments_dossier_id")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_application_payments_transaction_id")),
    )


def downgrade() -> None:
    op.drop_table("application_payments")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_actor_updated")
    op.drop_table("applications")

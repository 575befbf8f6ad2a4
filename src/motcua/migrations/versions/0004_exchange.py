"""exchange: registries, consents, evidence items, access log

Revision ID: 0004_exchange
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_exchange"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exchange_access_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_personal_id", sa.String(length=12), nullable=False),
        sa.Column("on_behalf_of", sa.String(length=12), nullable=True),
        sa.Column("subject_personal_id", sa.String(length=12), nullable=False),
        sa.Column("agency_code", sa.String(length=35), nullable=True),
        sa.Column("registry_code", sa.String(length=64), nullable=True),
        sa.Column("evidence_type_code", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=True),
        sa.Column("legal_basis", sa.JSON(), nullable=False),
        sa.Column("consent_reference", sa.String(length=36), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_exchange_access_log")),
        sa.UniqueConstraint("hash", name=op.f("uq_exchange_access_log_hash")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_exchange_access_log_prev_hash")),
    )
    with op.batch_alter_table("exchange_access_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_exchange_access_log_subject", ["subject_personal_id", "seq"], unique=False
        )

    op.create_table(
        "exchange_access_log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_access_log_head")),
    )
    op.create_table(
        "exchange_registries",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("operator_agency_id", sa.Integer(), nullable=True),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column(
            "protocol",
            sa.Enum("direct", "xroad", name="protocol", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("xroad_subsystem", sa.String(length=200), nullable=True),
        sa.Column("timeout_ms", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_agency_id"],
            ["agencies.id"],
            name=op.f("fk_exchange_registries_operator_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_exchange_registries")),
    )
    with op.batch_alter_table("exchange_registries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_registries_operator_agency_id"),
            ["operator_agency_id"],
            unique=False,
        )

    op.create_table(
        "exchange_consents",
        sa.Column("reference", sa.String(length=36), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column("procedure_version_id", sa.Integer(), nullable=False),
        sa.Column("agency_code", sa.String(length=35), nullable=True),
        sa.Column("actor_personal_id", sa.String(length=12), nullable=False),
        sa.Column("subject_personal_id", sa.String(length=12), nullable=False),
        sa.Column("legal_basis", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending", "confirmed", "closed", name="consentstate", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["procedure_version_id"],
            ["procedure_versions.id"],
            name=op.f("fk_exchange_consents_procedure_version_id_procedure_versions"),
        ),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_exchange_consents")),
        sa.UniqueConstraint("application_id", name=op.f("uq_exchange_consents_application_id")),
    )
    with op.batch_alter_table("exchange_consents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_consents_actor_personal_id"),
            ["actor_personal_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_exchange_consents_subject_personal_id"),
            ["subject_personal_id"],
            unique=False,
        )

    op.create_table(
        "exchange_registry_services",
        sa.Column("evidence_type_code", sa.String(length=64), nullable=False),
        sa.Column("registry_code", sa.String(length=64), nullable=False),
        sa.Column("service_code", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_type_code"],
            ["evidence_types.code"],
            name=op.f("fk_exchange_registry_services_evidence_type_code_evidence_types"),
        ),
        sa.ForeignKeyConstraint(
            ["registry_code"],
            ["exchange_registries.code"],
            name=op.f("fk_exchange_registry_services_registry_code_exchange_registries"),
        ),
        sa.PrimaryKeyConstraint("evidence_type_code", name=op.f("pk_exchange_registry_services")),
    )
    with op.batch_alter_table("exchange_registry_services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_registry_services_registry_code"),
            ["registry_code"],
            unique=False,
        )

    op.create_table(
        "exchange_evidence_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consent_reference", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("evidence_type_code", sa.String(length=64), nullable=False),
        sa.Column("registry_code", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "delivered",
                "not_found",
                "unavailable",
                "needs_choice",
                name="itemstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(
                "pending", "accepted", "rejected", name="decision", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consent_reference"],
            ["exchange_consents.reference"],
            name=op.f("fk_exchange_evidence_items_consent_reference_exchange_consents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_evidence_items")),
    )
    with op.batch_alter_table("exchange_evidence_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_exchange_evidence_items_consent", ["consent_reference", "key"], unique=False
        )
    # The chain's genesis: every append locks and advances this one row.
    head = sa.table(
        "exchange_access_log_head",
        sa.column("id", sa.Integer()),
        sa.column("last_seq", sa.Integer()),
        sa.column("last_hash", sa.String()),
    )
    op.bulk_insert(head, [{"id": 1, "last_seq": 0, "last_hash": "0" * 64}])


def downgrade() -> None:
    op.drop_table("exchange_evidence_items")
    op.drop_table("exchange_registry_services")
    op.drop_table("exchange_consents")
    op.drop_table("exchange_registries")
    op.drop_table("exchange_access_log_head")
    op.drop_table("exchange_access_log")

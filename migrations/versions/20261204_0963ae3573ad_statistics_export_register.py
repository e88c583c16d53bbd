"""statistics export register

Revision ID: 0963ae3573ad
Revises: f8d4baa29408
Created: 2026-12-04 16:30:42.314233
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0963ae3573ad"
down_revision: str | None = "f8d4baa29408"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statistics_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("professional_id", sa.Integer(), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filters", sa.String(length=4000), nullable=False),
        sa.Column("registrations", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["professional_id"],
            ["professional.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("statistics_export", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statistics_export_exported_at"), ["exported_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_statistics_export_professional_id"), ["professional_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("statistics_export", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statistics_export_professional_id"))
        batch_op.drop_index(batch_op.f("ix_statistics_export_exported_at"))

    op.drop_table("statistics_export")

"""ProConnect sign-in and local sign-in allowance

Revision ID: f64f68c44618
Revises: 2481c363990c
Created: 2026-12-04 16:30:00.520344
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f64f68c44618"
down_revision: str | None = "2481c363990c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing professionals: no phone from ProConnect yet, no local sign-in allowance.
    with op.batch_alter_table("professional", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("proconnect_signed_in_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "phone_from_proconnect", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(
            sa.Column(
                "local_sign_in_allowed", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("professional", schema=None) as batch_op:
        batch_op.drop_column("local_sign_in_allowed")
        batch_op.drop_column("phone_from_proconnect")
        batch_op.drop_column("proconnect_signed_in_at")

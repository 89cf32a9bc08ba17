"""deferred_work: the Slack calls a request deferred until after its answer, until made

Revision ID: 20261205_12_deferred_work
Revises: 20261201_12_audit_refusals
Create Date: 2026-12-05 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_12_deferred_work"
down_revision: str | None = "20261201_12_audit_refusals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deferred_work",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("piece", sa.JSON(), nullable=False),
        sa.Column("response_url", sa.String(length=1000), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deferred_work")),
        sqlite_autoincrement=True,  # ids are never used again: each names a delivery
    )
    op.create_index(op.f("ix_deferred_work_created_at"), "deferred_work", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_deferred_work_created_at"), table_name="deferred_work")
    op.drop_table("deferred_work")

"""alert summaries: a group whose first step the webhook's process claimed says so (the worker's
tick doesn't work it out again), and a group held for the morning or inside a burst notes when
it was summarised (its escalation runs from then)

Revision ID: 20261205_23_alert_summaries
Revises: 20261205_22_slo_suggestions
Create Date: 2026-12-05 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_23_alert_summaries"
down_revision: str | None = "20261205_22_slo_suggestions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert_groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("first_claimed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("summarised_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_groups", schema=None) as batch_op:
        batch_op.drop_column("summarised_at")
        batch_op.drop_column("first_claimed")

"""workspace slo_version: bumped whenever SLO figures are stored or an SLO changes, so each
process keeps a service card's SLO line while it stays the same

Revision ID: 20261205_24_slo_version
Revises: 20261205_23_alert_summaries
Create Date: 2026-12-05 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_24_slo_version"
down_revision: str | None = "20261205_23_alert_summaries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("slo_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("slo_version")

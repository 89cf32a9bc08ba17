"""workspaces.schedule_version: bumped with every rotation's `schedule_version` and whenever a
rotation is added, renamed or removed, so a process can keep the workspace's rotations by name
and notice any change with the one small query a request makes anyway

Revision ID: 20261205_16_workspace_schedule
Revises: 20261205_15_holidays
Create Date: 2026-12-05 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_16_workspace_schedule"
down_revision: str | None = "20261205_15_holidays"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("schedule_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("schedule_version")

"""walkthrough_steps.checked: the checklist items the hire has ticked off

Revision ID: 20261207_14_checklist_ticks
Revises: 20261207_13_out_until
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_14_checklist_ticks"
down_revision: str | None = "20261207_13_out_until"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("walkthrough_steps", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("checked", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("walkthrough_steps", schema=None) as batch_op:
        batch_op.drop_column("checked")

"""rotation_members.out_until: a member taken out until a date comes back after it

Revision ID: 20261207_13_out_until
Revises: 20261205_12_deferred_work
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_13_out_until"
down_revision: str | None = "20261205_12_deferred_work"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rotation_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("out_until", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rotation_members", schema=None) as batch_op:
        batch_op.drop_column("out_until")

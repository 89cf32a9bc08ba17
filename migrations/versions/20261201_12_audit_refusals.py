"""audit_log.team_id and audit_log.refused: the team an entry concerns (its leads read it), and
refused attempts besides changes

Revision ID: 20261201_12_audit_refusals
Revises: 20261130_11_schedule_version
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261201_12_audit_refusals"
down_revision: str | None = "20261130_11_schedule_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("refused", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_audit_log_team_id"), ["team_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_log_team_id_teams"),
            "teams",
            ["team_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_audit_log_team_id_teams"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_audit_log_team_id"))
        batch_op.drop_column("refused")
        batch_op.drop_column("team_id")

"""requests: a request found by its thread (a reply in it is a first response), and the DMs that
told the shield of each request (brought up to date after triage)

Revision ID: 20261205_21b_request_dms
Revises: 20261205_21_requests
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_21b_request_dms"
down_revision: str | None = "20261205_21_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_requests_channel_id_thread_ts", ["channel_id", "thread_ts"], unique=False
        )
    op.create_table(
        "request_dms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("shield_user", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_request_dms_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_dms")),
    )
    with op.batch_alter_table("request_dms", schema=None) as batch_op:
        batch_op.create_index("ix_request_dms_channel_id_ts", ["channel_id", "ts"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_dms_request_id"), ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("request_dms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_dms_request_id"))
        batch_op.drop_index("ix_request_dms_channel_id_ts")
    op.drop_table("request_dms")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_channel_id_thread_ts")

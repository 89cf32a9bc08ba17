"""slo suggestions: an SLO's budget at its policy threshold is suggested like a noisy service
(page_suggestions gains source, occasion, title and note; one suggestion per team, source,
service and occasion), and a budget crossing points at its suggestion, not a backlog item

Revision ID: 20261205_22_slo_suggestions
Revises: 20261205_21b_request_dms
Create Date: 2026-12-05 08:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_22_slo_suggestions"
down_revision: str | None = "20261205_21b_request_dms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("page_suggestions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), server_default="pages", nullable=False)
        )
        batch_op.add_column(
            sa.Column("occasion", sa.String(length=160), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("title", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.drop_constraint("uq_page_suggestions_team_id_service", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_page_suggestions_team_id_source_service_occasion"),
            ["team_id", "source", "service", "occasion"],
        )
    with op.batch_alter_table("slo_budget_crossings", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_slo_budget_crossings_item_id_backlog_items", type_="foreignkey"
        )
        batch_op.drop_column("item_id")
        batch_op.add_column(sa.Column("suggestion_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_slo_budget_crossings_suggestion_id_page_suggestions"),
            "page_suggestions",
            ["suggestion_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("slo_budget_crossings", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_slo_budget_crossings_suggestion_id_page_suggestions"),
            type_="foreignkey",
        )
        batch_op.drop_column("suggestion_id")
        batch_op.add_column(sa.Column("item_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_slo_budget_crossings_item_id_backlog_items",
            "backlog_items",
            ["item_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute("DELETE FROM page_suggestions WHERE source <> 'pages'")
    with op.batch_alter_table("page_suggestions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_page_suggestions_team_id_source_service_occasion"), type_="unique"
        )
        batch_op.create_unique_constraint(
            "uq_page_suggestions_team_id_service", ["team_id", "service"]
        )
        batch_op.drop_column("note")
        batch_op.drop_column("title")
        batch_op.drop_column("occasion")
        batch_op.drop_column("source")

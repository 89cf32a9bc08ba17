"""SLOs on catalog services, their stored figures, pushed SLI counts and the tokens that push
them, error-budget policy crossings, and each team's SLO settings

Revision ID: 20261205_20_slos
Revises: 20261205_17_alerting
Create Date: 2026-12-05 07:46:30.777953
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_20_slos"
down_revision: str | None = "20261205_17_alerting"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sli_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_sli_tokens_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_sli_tokens_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sli_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sli_tokens_token_hash")),
    )
    with op.batch_alter_table("sli_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sli_tokens_team_id"), ["team_id"], unique=False)

    op.create_table(
        "slo_team_settings",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("propose_at", sa.Integer(), nullable=True),
        sa.Column("sla_channel", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_slo_team_settings_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_slo_team_settings")),
    )
    op.create_table(
        "slos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("objective", sa.Float(), nullable=False),
        sa.Column("window", sa.String(length=16), nullable=False),
        sa.Column("indicator", sa.String(length=16), nullable=False),
        sa.Column("errors_query", sa.Text(), nullable=True),
        sa.Column("good_query", sa.Text(), nullable=True),
        sa.Column("total_query", sa.Text(), nullable=True),
        sa.Column("sloth_service", sa.String(length=200), nullable=True),
        sa.Column("sloth_slo", sa.String(length=200), nullable=True),
        sa.Column("min_events", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_slos_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_slos_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slos")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_slos_workspace_id_name")),
    )
    with op.batch_alter_table("slos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slos_service_id"), ["service_id"], unique=False)

    op.create_table(
        "sli_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slo_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("good", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["slo_id"], ["slos.id"], name=op.f("fk_sli_counts_slo_id_slos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sli_counts")),
        sa.UniqueConstraint("slo_id", "start", name=op.f("uq_sli_counts_slo_id_start")),
    )
    op.create_table(
        "slo_budget_crossings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slo_id", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("budget_remaining", sa.Float(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["backlog_items.id"],
            name=op.f("fk_slo_budget_crossings_item_id_backlog_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["slo_id"],
            ["slos.id"],
            name=op.f("fk_slo_budget_crossings_slo_id_slos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slo_budget_crossings")),
        sa.UniqueConstraint(
            "slo_id",
            "threshold",
            "window_start",
            name=op.f("uq_slo_budget_crossings_slo_id_threshold_window_start"),
        ),
    )
    with op.batch_alter_table("slo_budget_crossings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slo_budget_crossings_at"), ["at"], unique=False)

    op.create_table(
        "slo_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slo_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sli", sa.Float(), nullable=True),
        sa.Column("events", sa.Float(), nullable=True),
        sa.Column("budget_remaining", sa.Float(), nullable=True),
        sa.Column("burn_1h", sa.Float(), nullable=True),
        sa.Column("burn_6h", sa.Float(), nullable=True),
        sa.Column("burn_1d", sa.Float(), nullable=True),
        sa.Column("burn_3d", sa.Float(), nullable=True),
        sa.Column("exhausted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["slo_id"], ["slos.id"], name=op.f("fk_slo_figures_slo_id_slos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slo_figures")),
    )
    with op.batch_alter_table("slo_figures", schema=None) as batch_op:
        batch_op.create_index("ix_slo_figures_slo_at", ["slo_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slo_figures", schema=None) as batch_op:
        batch_op.drop_index("ix_slo_figures_slo_at")

    op.drop_table("slo_figures")
    with op.batch_alter_table("slo_budget_crossings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slo_budget_crossings_at"))

    op.drop_table("slo_budget_crossings")
    op.drop_table("sli_counts")
    with op.batch_alter_table("slos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slos_service_id"))

    op.drop_table("slos")
    op.drop_table("slo_team_settings")
    with op.batch_alter_table("sli_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sli_tokens_team_id"))

    op.drop_table("sli_tokens")

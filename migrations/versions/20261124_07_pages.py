"""pages: integrations and pages

Revision ID: 20261124_07_pages
Revises: 20261124_02_oncall
Create Date: 2026-11-24 11:54:30.534802
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261124_07_pages"
down_revision: str | None = "20261124_02_oncall"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "page_integrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("rotation", sa.String(length=80), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_prefix", sa.String(length=12), nullable=False),
        sa.Column("severities", sa.String(length=200), nullable=False),
        sa.Column("signing_secret", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_page_integrations_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_page_integrations_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_integrations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_page_integrations_token_hash")),
    )
    with op.batch_alter_table("page_integrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_integrations_team_id"), ["team_id"], unique=False)

    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("external_key", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("alert_name", sa.String(length=200), nullable=False),
        sa.Column("severity", sa.String(length=40), nullable=False),
        sa.Column("service_name", sa.String(length=120), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("rotation", sa.String(length=80), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hour_class", sa.String(length=8), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("classification", sa.String(length=24), nullable=True),
        sa.Column("classified_by_id", sa.Integer(), nullable=True),
        sa.Column("classified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["classified_by_id"],
            ["people.id"],
            name=op.f("fk_pages_classified_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["page_integrations.id"],
            name=op.f("fk_pages_integration_id_page_integrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_pages_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_pages_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_pages_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
        sa.UniqueConstraint(
            "integration_id", "external_key", name=op.f("uq_pages_integration_id_external_key")
        ),
    )
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pages_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_pages_team_started", ["team_id", "started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_index("ix_pages_team_started")
        batch_op.drop_index(batch_op.f("ix_pages_person_id"))

    op.drop_table("pages")
    with op.batch_alter_table("page_integrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_integrations_team_id"))

    op.drop_table("page_integrations")

"""people.holiday_country/holiday_region and teams.holiday_country/holiday_region: the public
holiday calendar (a country and optional subdivision, as the `holidays` library knows them) a
person or a team takes days off by

Revision ID: 20261205_15_holidays
Revises: 20261207_14_checklist_ticks
Create Date: 2026-12-05 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_15_holidays"
down_revision: str | None = "20261207_14_checklist_ticks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("people", "teams"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("holiday_country", sa.String(length=8), nullable=True))
            batch_op.add_column(sa.Column("holiday_region", sa.String(length=40), nullable=True))


def downgrade() -> None:
    for table in ("teams", "people"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("holiday_region")
            batch_op.drop_column("holiday_country")

"""Coaching records: interest assessments (resumable), plans, kept résumé reviews, interview
sessions, and whether the graduate shares each with counselors.

Revision ID: 0005
Revises: 0003 (daily use)
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coaching_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_sha256"],
            ["sessions.token_sha256"],
            name="fk_coaching_records_session_sha256_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_coaching_records"),
    )
    op.create_index("ix_coaching_records_session_sha256", "coaching_records", ["session_sha256"])
    op.create_index("ix_coaching_records_kind", "coaching_records", ["kind"])
    op.create_index("ix_coaching_records_shared", "coaching_records", ["shared"])


def downgrade() -> None:
    op.drop_table("coaching_records")

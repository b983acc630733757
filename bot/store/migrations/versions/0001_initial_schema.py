"""Initial schema: sessions, conversations, turns, feedback, annotations, flags, users, logins.

Times are naive UTC ``DateTime`` columns (the models add the zone back). Kept free of imports
from ``bot.store.tables`` so later model changes cannot alter what this revision creates.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _created() -> sa.Column[datetime]:
    return sa.Column("created_at", sa.DateTime(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("token_sha256", sa.String(64), nullable=False),
        _created(),
        sa.PrimaryKeyConstraint("token_sha256", name="pk_sessions"),
    )
    op.create_table(
        "users",
        _id(),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        _created(),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_table(
        "login_attempts",
        _id(),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("client", sa.String(128), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        _created(),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempts"),
    )
    op.create_index(
        "ix_login_attempts_name_client", "login_attempts", ["name", "client", "created_at"]
    )
    op.create_table(
        "conversations",
        _id(),
        sa.Column("session_sha256", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("flag_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_sha256"],
            ["sessions.token_sha256"],
            name="fk_conversations_session_sha256_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_conversations"),
    )
    for column in ("flagged", "session_sha256", "updated_at"):
        op.create_index(f"ix_conversations_{column}", "conversations", [column])
    op.create_table(
        "flag_events",
        _id(),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by_user", sa.String(64), nullable=False),
        _created(),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_flag_events_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_flag_events"),
    )
    op.create_index("ix_flag_events_conversation_id", "flag_events", ["conversation_id"])
    op.create_table(
        "turns",
        _id(),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _created(),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(32), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("abstained", sa.Boolean(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_turns_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_turns"),
        sa.UniqueConstraint("conversation_id", "position", name="uq_turns_conversation_id"),
    )
    for column in ("conversation_id", "created_at", "intent"):
        op.create_index(f"ix_turns_{column}", "turns", [column])
    op.create_table(
        "annotations",
        _id(),
        sa.Column("turn_id", sa.Integer(), nullable=False),
        sa.Column("by_user", sa.String(64), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=True),
        sa.Column("citations_ok", sa.Boolean(), nullable=True),
        sa.Column("tone_ok", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        _created(),
        sa.ForeignKeyConstraint(
            ["turn_id"], ["turns.id"], name="fk_annotations_turn_id_turns", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_annotations"),
        sa.UniqueConstraint("turn_id", "by_user", name="uq_annotations_turn_id"),
    )
    op.create_index("ix_annotations_turn_id", "annotations", ["turn_id"])
    op.create_table(
        "feedback",
        _id(),
        sa.Column("turn_id", sa.Integer(), nullable=False),
        sa.Column("session_sha256", sa.String(64), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        _created(),
        sa.ForeignKeyConstraint(
            ["turn_id"], ["turns.id"], name="fk_feedback_turn_id_turns", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
        sa.UniqueConstraint("turn_id", "session_sha256", name="uq_feedback_turn_id"),
    )
    op.create_index("ix_feedback_rating", "feedback", ["rating"])


def downgrade() -> None:
    for table in (
        "feedback",
        "annotations",
        "turns",
        "flag_events",
        "conversations",
        "login_attempts",
        "users",
        "sessions",
    ):
        op.drop_table(table)

"""chat transcripts are sent: the e-mail that carries one, and why one failed

Revision ID: 0210_transcript_send
Revises: 0004
Create Date: 2026-11-27 03:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0210_transcript_send'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('transcript_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('error', sa.String(length=500), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_transcript_request_message_id'), ['message_id'])
        batch_op.create_foreign_key(batch_op.f('fk_transcript_request_message_id_message'), 'message', ['message_id'], ['id'])
        batch_op.create_index('ix_transcript_request_interaction', ['interaction_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('transcript_request', schema=None) as batch_op:
        batch_op.drop_index('ix_transcript_request_interaction')
        batch_op.drop_constraint(batch_op.f('fk_transcript_request_message_id_message'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_transcript_request_message_id'), type_='unique')
        batch_op.drop_column('error')
        batch_op.drop_column('message_id')

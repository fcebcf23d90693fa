"""chat and call-back: attempts kept per call-back, transcript requests

Revision ID: 0200_chat_callback
Revises: 0001
Create Date: 2026-11-26 22:04:16.550643
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0200_chat_callback'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('transcript_request',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('interaction_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], name=op.f('fk_transcript_request_interaction_id_interaction')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_transcript_request_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transcript_request'))
    )
    with op.batch_alter_table('transcript_request', schema=None) as batch_op:
        batch_op.create_index('ix_transcript_request_status', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_transcript_request_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('callback_attempt',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('interaction_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sms_message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_callback_attempt_agent_id_users')),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], name=op.f('fk_callback_attempt_interaction_id_interaction')),
    sa.ForeignKeyConstraint(['sms_message_id'], ['message.id'], name=op.f('fk_callback_attempt_sms_message_id_message')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_callback_attempt_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_attempt')),
    sa.UniqueConstraint('tenant_id', 'interaction_id', 'attempt', name=op.f('uq_callback_attempt_tenant_id_interaction_id_attempt'))
    )
    with op.batch_alter_table('callback_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_callback_attempt_interaction', ['interaction_id', 'attempt'], unique=False)
        batch_op.create_index(batch_op.f('ix_callback_attempt_tenant_id'), ['tenant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('callback_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_attempt_tenant_id'))
        batch_op.drop_index('ix_callback_attempt_interaction')

    op.drop_table('callback_attempt')
    with op.batch_alter_table('transcript_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcript_request_tenant_id'))
        batch_op.drop_index('ix_transcript_request_status')

    op.drop_table('transcript_request')

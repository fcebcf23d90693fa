"""supervisor: customer satisfaction surveys

Revision ID: 0300_supervisor
Revises: 0001
Create Date: 2026-11-26 22:24:39.958898
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0300_supervisor'
down_revision: str | None = '0100_agent_ui'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('csat_survey',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('interaction_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel_kind', sa.String(length=16), nullable=False),
    sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('agent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('skill_group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_via', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_csat_survey_agent_id_users')),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_csat_survey_channel_id_channel')),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_csat_survey_contact_id_contact')),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], name=op.f('fk_csat_survey_interaction_id_interaction')),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_csat_survey_message_id_message')),
    sa.ForeignKeyConstraint(['skill_group_id'], ['skill_group.id'], name=op.f('fk_csat_survey_skill_group_id_skill_group')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_csat_survey_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_csat_survey')),
    sa.UniqueConstraint('tenant_id', 'interaction_id', name=op.f('uq_csat_survey_tenant_id_interaction_id'))
    )
    with op.batch_alter_table('csat_survey', schema=None) as batch_op:
        batch_op.create_index('ix_csat_survey_contact', ['contact_id', 'channel_id', 'sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_csat_survey_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_csat_survey_tenant_sent', ['tenant_id', 'sent_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('csat_survey', schema=None) as batch_op:
        batch_op.drop_index('ix_csat_survey_tenant_sent')
        batch_op.drop_index(batch_op.f('ix_csat_survey_tenant_id'))
        batch_op.drop_index('ix_csat_survey_contact')

    op.drop_table('csat_survey')

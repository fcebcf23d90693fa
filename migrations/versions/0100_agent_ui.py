"""agent UI: canned responses and knowledge base articles

Revision ID: 0100_agent_ui
Revises: 0001
Create Date: 2026-11-26 22:03:00.551920
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0100_agent_ui'
down_revision: str | None = '0200_chat_callback'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('knowledge_article',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('tags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_knowledge_article_tenant_id_tenant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_knowledge_article_updated_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_article'))
    )
    with op.batch_alter_table('knowledge_article', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_article_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_knowledge_article_tenant_kind', ['tenant_id', 'kind'], unique=False)

    op.create_table('canned_response',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('shortcut', sa.String(length=32), nullable=True),
    sa.Column('skill_group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_canned_response_created_by_users')),
    sa.ForeignKeyConstraint(['skill_group_id'], ['skill_group.id'], name=op.f('fk_canned_response_skill_group_id_skill_group')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_canned_response_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_response'))
    )
    with op.batch_alter_table('canned_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_canned_response_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_canned_response_tenant_title', ['tenant_id', 'title'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('canned_response', schema=None) as batch_op:
        batch_op.drop_index('ix_canned_response_tenant_title')
        batch_op.drop_index(batch_op.f('ix_canned_response_tenant_id'))

    op.drop_table('canned_response')
    with op.batch_alter_table('knowledge_article', schema=None) as batch_op:
        batch_op.drop_index('ix_knowledge_article_tenant_kind')
        batch_op.drop_index(batch_op.f('ix_knowledge_article_tenant_id'))

    op.drop_table('knowledge_article')

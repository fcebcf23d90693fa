"""classifier examples

Revision ID: 0004
Revises: 0300_supervisor
Create Date: 2026-11-27 00:06:02.696287
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0300_supervisor'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('classifier_example',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('interaction_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], name=op.f('fk_classifier_example_interaction_id_interaction')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_classifier_example_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_classifier_example')),
    sa.UniqueConstraint('tenant_id', 'interaction_id', name=op.f('uq_classifier_example_tenant_id_interaction_id'))
    )
    with op.batch_alter_table('classifier_example', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classifier_example_tenant_id'), ['tenant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('classifier_example', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_classifier_example_tenant_id'))

    op.drop_table('classifier_example')

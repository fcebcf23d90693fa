"""What a chat visitor changes besides their lines (which go through ``ingest``):
asking for the transcript by e-mail."""

from __future__ import annotations

from sqlmodel import select

from app.context import AppContext
from app.errors import NotFound
from app.models import ContactIdentity, Interaction, InteractionEvent, TranscriptRequest
from app.services.identities import normalize_email


def request_transcript(ctx: AppContext, channel_id: int, visitor_id: str,
                       interaction_id: int, email: str) -> int:
    """Store the visitor's request for their conversation by e-mail.

    Only the visitor the conversation belongs to may ask. The request waits as a
    ``pending`` row until a sender delivers it through the tenant's e-mail channel.
    """
    address = normalize_email(email)
    with ctx.transaction() as tx:
        s = tx.session
        interaction = s.get(Interaction, interaction_id)
        if interaction is None or interaction.channel_id != channel_id:
            raise NotFound("conversation not found")
        owner = s.exec(select(ContactIdentity.id).where(
            ContactIdentity.tenant_id == interaction.tenant_id,
            ContactIdentity.contact_id == interaction.contact_id,
            ContactIdentity.kind == "visitor", ContactIdentity.value == visitor_id)).first()
        if owner is None:
            raise NotFound("conversation not found")
        now = ctx.clock()
        request = TranscriptRequest(tenant_id=interaction.tenant_id,
                                    interaction_id=interaction_id, email=address,
                                    created_at=now)
        s.add(request)
        s.add(InteractionEvent(tenant_id=interaction.tenant_id, interaction_id=interaction_id,
                               kind="transcript_requested", data={"email": address},
                               created_at=now))
        s.flush()
        assert request.id is not None
        return request.id

"""Small helpers the composer calls while the agent types."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.deps import CurrentActor
from app.api.schemas import Body
from channels.sms.segments import non_gsm7_characters, segment_info

router = APIRouter(prefix="/api/v1", tags=["tools"])


class SegmentsIn(Body):
    text: str


@router.post("/sms/segments")
def sms_segments(body: SegmentsIn, actor: CurrentActor) -> dict[str, Any]:
    """How an SMS will travel: GSM-7 or UCS-2, characters, segments (160/153 or 70/67),
    room left in the last segment, and which characters force UCS-2."""
    info = segment_info(body.text)
    return {"encoding": info.encoding, "characters": info.characters,
            "segments": info.segments, "per_segment": info.per_segment,
            "remaining": info.remaining, "non_gsm7": non_gsm7_characters(body.text)}

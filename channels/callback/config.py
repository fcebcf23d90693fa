"""A call-back channel's ``config``: the tenant's retry policy, slots, telephony links.

```
{"retry_delays": [600, 3600, "next_morning"],  # after no answer / busy
 "max_attempts": 4, "retry_on": ["no_answer", "busy"],
 "sms_on_retry": false, "sms_channel": "<SMS channel key>",
 "sms_text": {"fr": "...{time}...", "en": "..."},
 "sip_uri": "sip:{phone}@pbx.example.sn", "click_to_call_url": "https://pbx/dial",
 "slot_minutes": 30, "lead_minutes": 15, "horizon_days": 14,
 "phone_requests_per_day": 5, "ip_requests_per_hour": 20,
 "allowed_origins": ["https://shop.sn"]}
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from channels.chat.config import ChannelConfigError, check_origins, whole_number

OUTCOMES = ("reached_resolved", "no_answer", "busy", "wrong_number", "voicemail")
NEXT_MORNING = "next_morning"
DEFAULT_SMS_TEXT = {
    "fr": "Bonjour {name}, nous avons essayé de vous rappeler sans succès. "
          "Nous réessaierons vers {time}.",
    "en": "Hello {name}, we tried to call you back but could not reach you. "
          "We will try again around {time}.",
}


@dataclass(frozen=True, slots=True)
class CallbackPolicy:
    retry_delays: tuple[int | str, ...] = (600, 3600, NEXT_MORNING)
    max_attempts: int = 4
    retry_on: tuple[str, ...] = ("no_answer", "busy")
    sms_on_retry: bool = False
    sms_channel: str | None = None
    sms_text: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_SMS_TEXT))
    sip_uri: str | None = None
    click_to_call_url: str | None = None
    slot_minutes: int = 30
    lead_minutes: int = 15
    horizon_days: int = 14
    phone_requests_per_day: int = 5
    ip_requests_per_hour: int = 20
    allowed_origins: tuple[str, ...] = ()

    def delay_for(self, attempt: int) -> int | str:
        """The wait after the ``attempt``-th failed call (1-based); the last one repeats."""
        return self.retry_delays[min(attempt, len(self.retry_delays)) - 1]

    @classmethod
    def parse(cls, config: Mapping[str, Any]) -> CallbackPolicy:
        delays = config.get("retry_delays", [600, 3600, NEXT_MORNING])
        if isinstance(delays, str) or not isinstance(delays, list) or not delays or any(
            not (d == NEXT_MORNING or (isinstance(d, int) and not isinstance(d, bool)
                                       and 60 <= d <= 30 * 86_400)) for d in delays
        ):
            raise ChannelConfigError(
                "retry_delays must be a non-empty list of seconds (60 to 2592000) or "
                f"'{NEXT_MORNING}', e.g. [600, 3600, '{NEXT_MORNING}']")
        retry_on = config.get("retry_on", ["no_answer", "busy"])
        if isinstance(retry_on, str) or not isinstance(retry_on, list) or any(
                o not in OUTCOMES or o == "reached_resolved" for o in retry_on):
            raise ChannelConfigError(
                "retry_on must list outcomes among no_answer, busy, voicemail, wrong_number")
        sms_text = config.get("sms_text", DEFAULT_SMS_TEXT)
        if not isinstance(sms_text, dict) or any(
                k not in ("fr", "en") or not isinstance(v, str) or not v.strip() or len(v) > 480
                for k, v in sms_text.items()):
            raise ChannelConfigError("sms_text must map 'fr'/'en' to texts of 1-480 characters")
        for key in ("sms_channel", "sip_uri", "click_to_call_url"):
            value = config.get(key)
            if value is not None and (not isinstance(value, str) or len(value) > 500):
                raise ChannelConfigError(f"{key} must be text")
        sip = config.get("sip_uri")
        if sip is not None and (not sip.startswith(("sip:", "sips:")) or "{phone}" not in sip):
            raise ChannelConfigError("sip_uri must look like 'sip:{phone}@pbx.example.sn'")
        url = config.get("click_to_call_url")
        if url is not None and not url.startswith(("http://", "https://")):
            raise ChannelConfigError("click_to_call_url must be an http(s) URL")
        sms_on_retry = config.get("sms_on_retry", False)
        if not isinstance(sms_on_retry, bool):
            raise ChannelConfigError("sms_on_retry must be true or false")
        return cls(
            retry_delays=tuple(delays),
            max_attempts=whole_number(config, "max_attempts", 4, 1, 20),
            retry_on=tuple(retry_on),
            sms_on_retry=sms_on_retry,
            sms_channel=config.get("sms_channel"),
            sms_text={**DEFAULT_SMS_TEXT, **sms_text},
            sip_uri=sip,
            click_to_call_url=url,
            slot_minutes=whole_number(config, "slot_minutes", 30, 5, 240),
            lead_minutes=whole_number(config, "lead_minutes", 15, 0, 24 * 60),
            horizon_days=whole_number(config, "horizon_days", 14, 1, 90),
            phone_requests_per_day=whole_number(config, "phone_requests_per_day", 5, 1, 10_000),
            ip_requests_per_hour=whole_number(config, "ip_requests_per_hour", 20, 1, 1_000_000),
            allowed_origins=check_origins(config),
        )


def validate_callback_config(config: dict[str, Any]) -> dict[str, Any]:
    policy = CallbackPolicy.parse(config)
    if policy.allowed_origins:
        config["allowed_origins"] = list(policy.allowed_origins)
    return config

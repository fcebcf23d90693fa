"""SMS channel: one small adapter per gateway over a shared core.

What the app uses (see docs/sms.md):

- :func:`channels.sms.registry.get_provider` / ``provider_for`` — the adapter for a channel
- :func:`channels.sms.inbound.receive` / ``receive_status`` — webhooks to messages / reports
- :func:`channels.sms.outbound.send_sms` — the outbox worker's send, rate limited
- :func:`channels.sms.endpoints.inbound_url` / ``status_url`` — URLs to give the gateway
- :func:`channels.sms.segments.segment_info` — GSM-7/UCS-2 and segment count for the agent
- :func:`channels.sms.keywords.detect_keyword` — STOP / START
- :func:`channels.sms.phone.normalize_phone` — E.164, short codes kept
"""

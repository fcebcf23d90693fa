"""The call-back channel: a visitor asks to be phoned, now or at a time they choose.

Pure parsing and policy: the app checks the slot against business hours, stores the
request through ``app.actions.ingest`` and schedules retries."""

"""Channel adapters: one sub-package per channel kind (sms, email, chat, callback)."""

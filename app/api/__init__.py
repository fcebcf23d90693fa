"""HTTP: the REST API, webhooks, websockets and the server-rendered UI."""

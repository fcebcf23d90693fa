"""The website chat channel: the visitor websocket protocol, its limits and the sender
that hands agents' lines to the visitor's socket. Pure: no tables, no routing."""

"""SQLAlchemy Core statements for the hot paths, built once at import.

The ORM is the right tool for most actions; for the few that run for every
inbound message, building statements and flushing a unit of work cost several
times what the database itself spends. Statements here are module constants with
``bindparam`` placeholders, so each execution reuses one compiled form and one
cache key, and rows come back as plain tuples.
"""

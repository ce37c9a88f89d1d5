"""The database backend for PostgreSQL: Django's own, with a health check that costs no round trip (base.py)."""

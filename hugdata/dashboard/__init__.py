"""Signing in to the tenant dashboard: one-time links Laravel mints, and the cookie sessions they open."""

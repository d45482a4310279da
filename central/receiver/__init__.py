"""The reference central receiver: ASGI service, its database, keys, processing and admin CLI."""

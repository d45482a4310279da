"""Apoyo Kiosk core: domain, identifiers, sealing, the encrypted vault and the `kiosk` CLI."""

__version__ = "0.1.0"

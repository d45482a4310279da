"""Apoyo Kiosk: the Textual UI (operator, citizen and technician screens)."""

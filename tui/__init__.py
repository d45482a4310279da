"""The kiosk's Textual application: operator, citizen and technician screens.

Screens are thin: they call `kiosk/` (rules, vault, checks) and the devices, and show the result.
"""

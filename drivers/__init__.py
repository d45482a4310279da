"""Hardware behind small protocols: camera, signature pad, scanner, GPS. Never imports kiosk/."""

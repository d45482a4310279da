"""Fictitious "MUESTRA" credentials and photos of them, for tests, benchmarks and the demo camera.

`make_card(seed)` gives front, back and truth; `photo_of_card` puts a card in a cluttered scene.
"""

from kiosk.specimens.cards import make_card
from kiosk.specimens.scenes import DIFFICULTIES, empty_scene, photo_of_card, photocopy, screen_photo

__all__ = ["make_card", "photo_of_card", "photocopy", "screen_photo", "empty_scene", "DIFFICULTIES"]

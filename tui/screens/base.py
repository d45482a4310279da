"""What every kiosk screen shares: the catalog shortcut, letter keys that press the button with
the matching id, and a header line with the process and the logged-in auxiliar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.screen import Screen
from textual.widgets import Button, Input

if TYPE_CHECKING:
    from tui.app import KioskApp


class KioskScreen(Screen):
    """A screen whose KEYS map a key to the ids (space-separated) of Buttons on it; the first
    one present and enabled is pressed."""

    KEYS: dict[str, str] = {}

    @property
    def kiosk(self) -> "KioskApp":
        return self.app  # type: ignore[return-value]

    def t(self, code: str, **params: object) -> str:
        return self.kiosk.t(code, **params)

    def next_field_or_press(self, event: Input.Submitted, button_selector: str) -> None:
        """Enter in a form: move to the next field, or press the form's button from the last one."""
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self.query_one(button_selector, Button).press()

    def on_key(self, event: events.Key) -> None:
        if isinstance(self.focused, Input) and event.key != "escape":
            return
        for button_id in self.KEYS.get(event.key, "").split():
            for button in self.query(f"#{button_id}").results(Button):
                if not button.disabled and button.display:
                    event.stop()
                    button.press()
                    return

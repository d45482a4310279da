"""What every kiosk screen shares: the catalog shortcut, the keys printed on the buttons (screen
bindings with priority, so they work whatever has focus), and a confirmation before leaving work.

A screen's KEYS map a key to the ids (space-separated) of Buttons on it; the first one present,
shown and enabled is pressed. A printable key (a letter, a digit) is left to a text field that
has focus, so a name can still be typed; Enter in that field hands focus back to the buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.actions import SkipAction
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Button, Input, TextArea

if TYPE_CHECKING:
    from tui.app import KioskApp


def key_bindings(keys: dict[str, str]) -> list[Binding]:
    """One priority binding per key that presses the first available button of its ids."""
    return [Binding(key, f"press_button({ids!r}, {len(key) == 1})", show=False, priority=True)
            for key, ids in keys.items()]


class KioskScreen(Screen):
    KEYS: dict[str, str] = {}
    AUTO_FOCUS = "Button"

    def __init_subclass__(cls, **kwargs: object) -> None:
        if "KEYS" in cls.__dict__:  # before Textual merges the class's BINDINGS
            cls.BINDINGS = [*cls.__dict__.get("BINDINGS", []), *key_bindings(cls.KEYS)]
        super().__init_subclass__(**kwargs)

    @property
    def kiosk(self) -> "KioskApp":
        return self.app  # type: ignore[return-value]

    def t(self, code: str, **params: object) -> str:
        return self.kiosk.t(code, **params)

    def typing(self) -> bool:
        return isinstance(self.focused, (Input, TextArea))

    def button(self, *ids: str) -> Button | None:
        """The first of these buttons that is on screen, shown and enabled."""
        for button_id in ids:
            for button in self.query(f"#{button_id}").results(Button):
                if not button.disabled and button.display:
                    return button
        return None

    def action_press_button(self, ids: str, printable: bool = False) -> None:
        if printable and self.typing():
            raise SkipAction()  # the letter belongs to the text field
        button = self.button(*ids.split())
        if button is None:  # not there, or not yet: the screen may be redrawing itself
            self.call_after_refresh(self._press_after_refresh, ids)
            return
        # Posted to the screen, not the button: a recompose under way (Inicio redraws itself
        # when it comes back) may replace the button before the button could pass it on.
        self.post_message(Button.Pressed(button))

    def _press_after_refresh(self, ids: str) -> None:
        button = self.button(*ids.split())
        if button is None:
            self.nothing_to_press(ids)
        else:
            self.post_message(Button.Pressed(button))

    def nothing_to_press(self, ids: str) -> None:
        """A key whose button is not available now (a screen may say why)."""

    def next_field_or_press(self, event: Input.Submitted, button_selector: str) -> None:
        """Enter in a form: move to the next field, or press the form's button from the last one."""
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self.query_one(button_selector, Button).press()

    def confirm(self, question: str, choices: list[tuple[str, str, str]], then: Callable[[str], None]) -> None:
        """Ask before something is lost: `choices` are (key, label, value); Esc is the last one."""
        from tui.screens.confirm import ConfirmScreen

        self.app.push_screen(ConfirmScreen(question, choices), lambda value: then(value or choices[-1][2]))

"""A question before work is lost (leaving a sheet, cancelling a capture, quitting): one button
per choice, each with its key; Esc takes the last choice, which is always the safe one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[str]):
    CSS_PATH = "confirm.tcss"

    def __init__(self, question: str, choices: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.question = question
        self.choices = choices
        keys = [Binding(key.lower(), f"choose({value!r})", show=False, priority=True) for key, _label, value in choices]
        keys.append(Binding("escape", f"choose({choices[-1][2]!r})", show=False, priority=True))
        self._bindings = BindingsMap.merge([self._bindings, BindingsMap(keys)])

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.question, id="question")
            with Horizontal(classes="choices"):
                for i, (key, label, value) in enumerate(self.choices):
                    variant = "primary" if i == len(self.choices) - 1 else "default"
                    yield Button(f"({key.upper()}) {label}", id=f"choice-{value}", variant=variant)

    def on_mount(self) -> None:
        self.query(Button).last().focus()  # Enter on arrival keeps the work

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    def action_choose(self, value: str) -> None:
        self.dismiss(value)

"""Never trap a citizen: the capture screen's way past a gate that keeps saying no.

After three rejections at the photo or signature step, (X) "Aceptar de todos modos" opens a modal
where the auxiliar picks the reason from kiosk.quality.override.REASONS; on the signature step,
(S) "Credencial sin firma" (seed 001 §10.3 m) asks for confirmation and moves on without one.
The rules live in kiosk.capture; this module only asks and passes the answer down.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kiosk import checks
from kiosk.capture import Step
from kiosk.messages import lookup
from kiosk.quality.override import OVERRIDE_AFTER, reason_text, reasons_for

if TYPE_CHECKING:
    from tui.screens.capture import CaptureScreen

MESSAGES: dict[str, dict[str, str]] = {
    "btn_override": {"es": "(X) Aceptar de todos modos", "en": "(X) Accept anyway"},
    "btn_sin_firma": {"es": "(S) Credencial sin firma", "en": "(S) Credential without signature"},
    "override_title": {"es": "Aceptar de todos modos", "en": "Accept anyway"},
    "override_text": {
        "es": "La {what} fue rechazada {n} veces ({reasons}). Si la persona no puede hacerlo de otra "
              "forma, elija el motivo; quedará en el registro para la Mesa de Control.",
        "en": "The {what} was rejected {n} times ({reasons}). If the person cannot do otherwise, choose "
              "the reason; it stays in the record for the Mesa de Control."},
    "what_photo": {"es": "foto", "en": "photo"},
    "what_signature": {"es": "firma", "en": "signature"},
    "sin_firma_title": {"es": "Credencial sin firma", "en": "Credential without signature"},
    "sin_firma_text": {
        "es": "¿La credencial de la persona dice «sin firma»? El apoyo se guardará sin firma y marcado "
              "para la Mesa de Control.",
        "en": "Does the person's credential say \"sin firma\"? The apoyo will be saved without a signature "
              "and flagged for the Mesa de Control."},
    "btn_yes_sin_firma": {"es": "(1) Sí, dice «sin firma»", "en": "(1) Yes, it says \"sin firma\""},
    "btn_back": {"es": "(Esc) Volver", "en": "(Esc) Back"},
}


def text(app, code: str, **params: object) -> str:  # noqa: ANN001 - the KioskApp
    return lookup(MESSAGES, code, getattr(app, "lang", "es"), **params)


class ChoiceScreen(ModalScreen[str | None]):
    """A question with numbered answers; dismisses with the chosen code, or None on (Esc)."""

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical { width: 80; height: auto; border: thick $warning; background: $surface; padding: 1 2; }
    ChoiceScreen Button { width: 100%; margin: 0 0 1 0; }
    ChoiceScreen #choice-text { margin: 0 0 1 0; }
    """

    def __init__(self, title: str, body: str, choices: list[tuple[str, str]], back: str) -> None:
        super().__init__()
        self.title_text, self.body, self.choices, self.back = title, body, choices, back

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="subtitle", id="choice-title")
            yield Static(self.body, id="choice-text")
            for code, label in self.choices:
                yield Button(label, id=f"choice-{code}", variant="warning")
            yield Button(self.back, id="choice-back")

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            self.dismiss(None)
        elif event.key.isdigit() and 1 <= int(event.key) <= len(self.choices):
            event.stop()
            self.dismiss(self.choices[int(event.key) - 1][0])

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        chosen = (event.button.id or "").removeprefix("choice-")
        self.dismiss(None if chosen == "back" else chosen)


def note_shot(screen: "CaptureScreen", shot: dict) -> None:
    """A finished photo or signature attempt: a rejection by its gate counts towards the override."""
    session, gate = screen.session, shot.get("gate")
    if session is not None and gate is not None and not gate.accepted and session.step in (Step.PHOTO, Step.SIGNATURE):
        session.note_rejection(gate.codes, gate.scores)


def buttons(screen: "CaptureScreen") -> list[Button]:
    """The extra buttons of the photo or signature step (for the auxiliar: none in Mi apoyo)."""
    session, shot, out = screen.session, screen.shot, []
    if session is None or screen.guided:
        return out
    if session.can_override() and shot is not None and not shot["ok"] and "gate" in shot:
        out.append(Button(text(screen.app, "btn_override"), id="override", variant="warning"))
    if session.step is Step.SIGNATURE:
        out.append(Button(text(screen.app, "btn_sin_firma"), id="sin_firma"))
    return out


def press(screen: "CaptureScreen", action: str) -> bool:
    """Handle (X) or (S); False when `action` is not one of them."""
    session = screen.session
    if action not in ("override", "sin_firma") or session is None:
        return False
    if screen.guided:  # self-service: only an auxiliar may accept over a gate
        return True
    app = screen.app
    if action == "sin_firma":
        def chosen_sin_firma(answer: str | None) -> None:
            if answer == "yes" and session.step is Step.SIGNATURE:
                session.accept_sin_firma()
                screen.shot = None
                screen.rebuild()

        app.push_screen(ChoiceScreen(text(app, "sin_firma_title"), text(app, "sin_firma_text"),
                                     [("yes", text(app, "btn_yes_sin_firma"))], text(app, "btn_back")),
                        chosen_sin_firma)
        return True
    step, shot = session.step, screen.shot
    if shot is None or shot["ok"] or not session.can_override():
        return True
    codes = reasons_for(step.value)
    choices = [(code, f"({i + 1}) {reason_text(code, getattr(app, 'lang', 'es'))}") for i, code in enumerate(codes)]
    attempts = max(OVERRIDE_AFTER, len(session.rejections[step.value]))
    body = text(app, "override_text", what=text(app, f"what_{step.value}"), n=attempts,
                reasons="; ".join(shot["gate"].reasons) or "—")

    def chosen(reason: str | None) -> None:
        if reason is None or session.step is not step:
            return
        if step is Step.PHOTO:
            session.accept_photo(checks.keep_photo_anyway(shot["image"]), override=reason)
        else:
            session.accept_signature(shot["trajectory"], shot["png"], override=reason)
        screen.shot = None
        screen.rebuild()

    app.push_screen(ChoiceScreen(text(app, "override_title"), body, choices, text(app, "btn_back")), chosen)
    return True

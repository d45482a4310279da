"""Primer uso: an auxiliar proves who they are against the signed roster, captures their own
credential, photo and signature (cédula de registro de auxiliar) and sets a local password."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from kiosk import operators
from kiosk.domain import AuxiliarRegistration
from kiosk.errors import KioskError
from tui.screens.base import KioskScreen
from tui.screens.steps import ShotMixin, shot_image, verdict

STEPS = ("datos", "front", "back", "photo", "signature", "password", "done")
INSTRUCTIONS = {"front": "show_front", "back": "show_back", "photo": "show_face", "signature": "sign_now"}


class RegistrationScreen(ShotMixin, KioskScreen):
    CSS_PATH = "registration.tcss"
    KEYS = {"t": "take", "a": "accept", "r": "retake", "f": "sign", "escape": "back"}

    def __init__(self) -> None:
        super().__init__()
        self.step = "datos"
        self.auxiliar_id = ""
        self.email = ""
        self.captured: dict[str, object] = {}
        self.shot: dict | None = None
        self.busy = False
        self.error = ""
        self.folio = ""

    def compose(self) -> ComposeResult:
        yield Static(f"{self.t('reg_title')} — {self.t('step_of', n=STEPS.index(self.step) + 1, total=len(STEPS))}",
                     classes="title")
        if self.step == "datos":
            yield Static(self.t("reg_intro"), classes="instruction")
            with Vertical(id="form"):
                for code in ("id_proceso", "id_auxiliar", "email"):
                    yield Static(self.t(code))
                    yield Input(id=code)
        elif self.step in INSTRUCTIONS:
            yield Static(self.t(INSTRUCTIONS[self.step]), classes="instruction")
            with Horizontal(id="work"):
                yield shot_image(self.shot)
                yield verdict(self.shot, self.t)
        elif self.step == "password":
            yield Static(self.t("reg_password"), classes="instruction")
            with Vertical(id="form"):
                yield Static(self.t("password"))
                yield Input(password=True, id="pw1")
                yield Static(self.t("password_again"))
                yield Input(password=True, id="pw2")
        else:
            yield Static(self.t("reg_done", folio=self.folio), classes="ok", id="done")
        yield Static(self.error, classes="error" if self.error else "", id="error")
        with Horizontal(classes="buttons"):
            if self.step == "datos":
                yield Button(self.t("btn_verify"), id="verify", variant="primary")
            elif self.step in INSTRUCTIONS:
                if self.busy:
                    yield Static(self.t("busy"), classes="warning")
                elif self.shot is None:
                    take = "sign" if self.step == "signature" else "take"
                    yield Button(self.t("btn_sign" if take == "sign" else "btn_take"), id=take, variant="primary")
                else:
                    yield Button(self.t("btn_accept"), id="accept", variant="success", disabled=not self.shot["ok"])
                    yield Button(self.t("btn_retake"), id="retake", variant="warning")
            elif self.step == "password":
                yield Button(self.t("btn_finish"), id="finish", variant="success")
            yield Button(self.t("home" if self.step == "done" else "back"), id="back")

    def rebuild(self) -> None:
        self.call_later(self._rebuild)

    async def _rebuild(self) -> None:
        await self.recompose()
        focusable = list(self.query(Input)) or [b for b in self.query(Button) if not b.disabled]
        if focusable:
            focusable[0].focus()

    def on_mount(self) -> None:
        self.rebuild()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.next_field_or_press(event, "#verify, #finish")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        action = event.button.id or ""
        self.error = ""
        if action == "back":
            if self.step in ("datos", "done"):
                self.app.pop_screen()
            else:
                self.confirm(self.t("reg_leave_q"), [("s", self.t("reg_leave_yes"), "leave"), ("n", self.t("stay"), "stay")],
                             lambda value: self._leave() if value == "leave" else None)
            return
        if action == "verify":
            self._verify()
        elif action in ("take", "retake") and self.step != "signature":
            self.shoot(self.step)
            return
        elif action in ("sign", "retake"):
            self.sign()
            return
        elif action == "accept" and self.shot and self.shot["ok"]:
            self._accept()
        elif action == "finish":
            self._finish()
        self.rebuild()

    def _leave(self) -> None:
        self.captured.clear()
        self.shot = None
        self.app.pop_screen()

    def _verify(self) -> None:
        station = self.kiosk.station
        values = {code: self.query_one(f"#{code}", Input).value for code in ("id_proceso", "id_auxiliar", "email")}
        try:
            aux = operators.check_registration(station.config(), station.vault, values["id_proceso"],
                                               values["id_auxiliar"], values["email"], station.now().at)
        except operators.AccessDenied as denied:
            self.error = denied.message(self.kiosk.lang)
            return
        self.auxiliar_id, self.email, self.step = aux.auxiliar_id, values["email"].strip(), "front"

    def _accept(self) -> None:
        shot = self.shot or {}
        if self.step in ("front", "back"):
            self.captured[self.step] = shot["side"].stored
        elif self.step == "photo":
            self.captured["photo"] = shot["gate"].stored
        else:
            self.captured["trajectory"], self.captured["png"] = shot["trajectory"], shot["png"]
        self.shot = None
        self.step = STEPS[STEPS.index(self.step) + 1]

    def _finish(self) -> None:
        pw1, pw2 = self.query_one("#pw1", Input).value, self.query_one("#pw2", Input).value
        station = self.kiosk.station
        c = self.captured
        try:
            operators.validate_new_password(pw1, pw2)
            reg = AuxiliarRegistration(c["front"], c["back"], c["photo"], c["trajectory"], c["png"], self.email)  # type: ignore[arg-type]
            saved = station.save_auxiliar_registration(reg, self.auxiliar_id)
            operators.set_password(station.vault, self.auxiliar_id, pw1)
        except operators.AccessDenied as denied:
            self.error = denied.message(self.kiosk.lang)
            return
        except KioskError as refused:
            self.error = refused.message(self.kiosk.lang)
            return
        self.captured.clear()
        self.folio, self.step = saved.folio, "done"

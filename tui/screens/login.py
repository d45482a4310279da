"""Operator login: choose a registered auxiliar, type the local password. The rules (Argon2id,
lockout, bajas) live in kiosk.operators; this screen shows what they say."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select, Static

from kiosk import operators
from tui.screens.base import KioskScreen


class LoginScreen(KioskScreen):
    CSS_PATH = "login.tcss"
    KEYS = {"escape": "back", "f3": "first_use"}
    AUTO_FOCUS = "#password"

    def compose(self) -> ComposeResult:
        station = self.kiosk.station
        config = station.config()
        ids = operators.registered(station.vault)
        names = {a: f"{a} — {config.roster[a].nombres} {config.roster[a].apellido_paterno}" if config and a in config.roster else a
                 for a in ids}
        yield Static(self.t("login_title"), classes="title")
        with Vertical(id="form"):
            if ids:
                yield Static(self.t("choose_auxiliar"))
                yield Select([(names[a], a) for a in ids], id="auxiliar", allow_blank=len(ids) > 1,
                             value=ids[0] if len(ids) == 1 else Select.BLANK)
                yield Static(self.t("password"))
                yield Input(password=True, id="password")
            else:
                yield Static(self.t("no_operators"), classes="warning")
            yield Static(id="message")
        with Horizontal(classes="buttons"):
            if ids:
                yield Button(self.t("btn_enter"), id="enter", variant="primary")
            yield Button(self.t("btn_first_use"), id="first_use")
            yield Button(self.t("back"), id="back")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.try_login()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "enter":
            self.try_login()
        elif event.button.id == "first_use":
            from tui.screens.registration import RegistrationScreen

            self.app.switch_screen(RegistrationScreen())
        elif event.button.id == "back":
            self.app.pop_screen()

    def try_login(self) -> None:
        station = self.kiosk.station
        chosen = self.query_one("#auxiliar", Select).value
        message = self.query_one("#message", Static)
        if chosen is Select.BLANK:
            message.update(self.t("choose_first"))
            message.set_classes("error")
            return
        password_box = self.query_one("#password", Input)
        if not password_box.value:  # an empty password is not an attempt
            message.update(self.t("password_empty"))
            message.set_classes("warning")
            password_box.focus()
            return
        try:
            operators.check_active(station.config(), str(chosen), station.now().at)
            operators.check_devices(station.config(), str(chosen), station.device_id)
            operators.login(station.vault, str(chosen), password_box.value)
        except operators.AccessDenied as denied:
            password_box.value = ""
            message.update(denied.message(self.kiosk.lang))
            message.set_classes("error")
            return
        self.kiosk.login(str(chosen))
        self.app.pop_screen()

"""Captura de apoyo (and Mi apoyo, its guided self-service twin): walks kiosk.capture's table —
credential type, front, back, original, photo, signature, review, saved — one step per view."""

from __future__ import annotations

from textual.actions import SkipAction
from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.binding import Binding
from textual.widgets import Button, Checkbox, LoadingIndicator, Static

from kiosk.capture import CREDENTIAL_MODELS, SELF_SERVICE_MODELS, CaptureSession, Step
from drivers.errors import DeviceError
from kiosk.devices import device_message
from kiosk.errors import KioskError
from kiosk.receipt import receipt_lines
from kiosk.station import Saved
from tui.images import ImageView
from tui.screens import override
from tui.messages import when
from tui.screens.base import KioskScreen
from tui.screens.steps import MODEL_DRAWINGS, ShotMixin, fields_view, shot_image, verdict

ORDER = [Step.CREDENTIAL_TYPE, Step.FRONT, Step.BACK, Step.ORIGINAL, Step.PHOTO, Step.SIGNATURE, Step.REVIEW]
PURPOSE = {Step.FRONT: "front", Step.BACK: "back", Step.PHOTO: "photo"}
PREVIEW_SECONDS = 0.3  # a live camera picture at about three frames a second
REVIEW_FIELDS = ("nombres", "apellido_paterno", "apellido_materno", "clave_elector")


class CaptureScreen(ShotMixin, KioskScreen):
    CSS_PATH = "capture.tcss"
    KEYS = {"t": "take", "a": "accept", "r": "retake retake_back", "f": "sign retake_front retake_signature",
            "p": "retake_photo", "n": "refuse", "g": "save", "i": "print", "escape": "cancel home",
            "x": "override", "s": "sin_firma",  # tui/screens/override.py
            **{str(i + 1): f"model-{m}" for i, m in enumerate(CREDENTIAL_MODELS)}}
    BINDINGS = [Binding("o", "toggle_original", show=False, priority=True)]

    def __init__(self, guided: bool = False) -> None:
        super().__init__(classes="guided" if guided else "")
        self.guided = guided
        self.session: CaptureSession | None = None
        self.blocked = ""
        self.shot: dict | None = None
        self.busy = False
        self.error = ""
        self.original_ticked = False
        self.saved: Saved | None = None
        self.saved_at = ""
        self.notice = ""
        self.start()

    def start(self) -> None:
        """A new session if the rules allow capture now; otherwise the refusal to show."""
        self.session, self.shot, self.saved, self.error, self.blocked = None, None, None, "", ""
        self.notice = ""
        self.original_ticked = False
        operator = self.kiosk.operator or ""
        try:
            self.kiosk.station.check_can_capture(operator)
        except KioskError as refused:
            self.blocked = refused.message(self.kiosk.lang)
            return
        self.session = CaptureSession(operator, self_service=self.guided)

    # --- composition ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        step = self.session.step if self.session else None
        title = self.t("self_title" if self.guided else "cap_title")
        if step in ORDER:
            title += f" — {self.t('step_of', n=ORDER.index(step) + 1, total=len(ORDER))}: {self.t('step_' + step.value)}"
        elif step is not None:
            title += f" — {self.t('step_' + step.value)}"
        yield Static(title, classes="title", id="step-title")
        if self.blocked:
            yield Static(self.t("step_blocked"), classes="subtitle")
            yield Static(self.blocked, classes="error", id="blocked")
            with Horizontal(classes="buttons"):
                yield Button(self.t("home"), id="home", variant="primary")
            return
        assert step is not None
        yield from getattr(self, f"_compose_{step.value}")()
        yield Static(self.error, classes="error" if self.error else "", id="error")

    def _instruction(self, code: str) -> Static:
        step = self.session.step.value if self.session else ""
        return Static(self.t(f"guide_{step}" if self.guided else code), classes="instruction", id="instruction")

    def _compose_credential_type(self) -> ComposeResult:
        config = self.kiosk.station.config()
        with Horizontal(id="manifest-row"):
            if config and config.process.emblem_png:
                yield ImageView(config.process.emblem_png, id="emblem")
            if config:
                p = config.process
                privacy = p.privacy_text or self.t("privacy_default")
                if p.privacy_url:
                    privacy += " " + self.t("privacy_url", url=p.privacy_url)
                yield Static(f"[b]{escape(p.denomination)}[/b]\n{escape(p.manifest_text)}\n[dim]{escape(privacy)}[/dim]",
                             id="manifest")
        yield self._instruction("choose_model")
        with Grid(id="models"):
            for i, model in enumerate(CREDENTIAL_MODELS):
                if self.guided and model not in SELF_SERVICE_MODELS:
                    continue
                yield Button(f"({i + 1}) {model}\n{MODEL_DRAWINGS[model]}", id=f"model-{model}", classes="model",
                             tooltip=self.t(f"model_{model}"))
        if self.guided:
            yield Static(self.t("self_models_only"), classes="hint", id="models-hint")
        with Horizontal(classes="buttons"):
            yield Button(self.t("btn_cancel"), id="cancel", variant="error")

    def _compose_side(self, instruction: str, extra: list[Button]) -> ComposeResult:
        yield self._instruction(instruction)
        with Horizontal(id="work"):
            yield shot_image(self.shot)
            with VerticalScroll(id="result"):
                yield verdict(self.shot, self.t)
                fields = dict(self.session.fields) if self.session else {}
                if self.shot and "side" in self.shot:
                    fields.update({k: v for k, v in self.shot["side"].fields.items() if v})
                yield fields_view(fields, self.t, empty="no_fields_side" if self.shot else "no_fields")
        yield from self._shot_buttons("btn_take", extra)

    def _shot_buttons(self, take_label: str, extra: list[Button], take_id: str = "take") -> ComposeResult:
        with Horizontal(classes="buttons"):
            if self.busy:
                yield LoadingIndicator(id="working")
                yield Static(self.t("checking"), classes="warning", id="busy")
            elif self.shot is None:
                yield Button(self.t(take_label), id=take_id, variant="primary")
            else:
                yield Button(self.t("btn_accept"), id="accept", variant="success", disabled=not self.shot["ok"])
                yield Button(self.t("btn_retake"), id="retake", variant="warning")
            yield from extra
            yield Button(self.t("btn_cancel"), id="cancel", variant="error")

    def _compose_front(self) -> ComposeResult:
        yield from self._compose_side("show_front", [])

    def _compose_back(self) -> ComposeResult:
        yield from self._compose_side("show_back", [Button(self.t("btn_retake_front"), id="retake_front")])

    def _compose_original(self) -> ComposeResult:
        yield self._instruction("original_help")
        yield Checkbox(self.t("original_q"), self.original_ticked, id="original")
        yield fields_view(self.session.fields if self.session else {}, self.t)
        with Horizontal(classes="buttons"):
            yield Button(self.t("btn_continue"), id="accept", variant="success", disabled=not self.original_ticked)
            yield Button(self.t("btn_retake_back"), id="retake_back")
            yield Button(self.t("btn_cancel"), id="cancel", variant="error")

    def _compose_photo(self) -> ComposeResult:
        yield self._instruction("show_face")
        with Horizontal(id="work"):
            yield shot_image(self.shot)
            with Vertical(id="result"):
                yield verdict(self.shot, self.t)
        yield from self._shot_buttons("btn_take", [Button(self.t("btn_refuse"), id="refuse", variant="warning"),
                                                   *override.buttons(self)])

    def _compose_signature(self) -> ComposeResult:
        yield self._instruction("sign_now")
        with Horizontal(id="work"):
            yield shot_image(self.shot)
            with Vertical(id="result"):
                yield verdict(self.shot, self.t)
        yield from self._shot_buttons("btn_sign", override.buttons(self), take_id="sign")

    def _compose_review(self) -> ComposeResult:
        assert self.session is not None
        yield self._instruction("review_help")
        refusal = self.session.self_service_refusal(self.kiosk.station.now().at.year)
        if refusal:
            yield Static(self.t(refusal), classes="error", id="refusal")
        with VerticalScroll(id="review-body"):
            with Horizontal(id="thumbs"):
                for name, data in (("front", self.session.front), ("back", self.session.back),
                                   ("photo", self.session.photo), ("signature", self.session.signature_png)):
                    yield ImageView(data, id=f"thumb-{name}", classes="thumb")
            yield Static(self.t("review_model", model=self.session.model), id="review-model")
            yield fields_view(self.session.fields, self.t, required=REVIEW_FIELDS)
        with Horizontal(classes="buttons"):
            yield Button(self.t("btn_save"), id="save", variant="success", disabled=bool(refusal))
            yield Button(self.t("btn_retake_photo"), id="retake_photo")
            yield Button(self.t("btn_retake_signature"), id="retake_signature")
            yield Button(self.t("btn_cancel"), id="cancel", variant="error")

    def _compose_saved(self) -> ComposeResult:
        assert self.saved is not None
        yield Static(self.t("saved_folio"), classes="subtitle", id="folio-label")
        yield Static(self.saved.folio, id="folio")
        yield Static(self.t("saved_integrity", integrity=self.saved.integrity), id="integrity")
        yield Static(self.t("saved_note"), classes="hint")
        if self.notice:
            yield Static(self.notice, classes="hint", id="notice")
        with Horizontal(classes="buttons"):
            yield Button(self.t("btn_new"), id="new", variant="primary")
            if self.kiosk.hardware.printer is not None:
                yield Button(self.t("btn_print"), id="print")
            yield Button(self.t("home"), id="home")

    def _compose_refused(self) -> ComposeResult:
        yield Static(self.t("refused_text"), classes="warning", id="outcome")
        with Horizontal(classes="buttons"):
            yield Button(self.t("home"), id="home", variant="primary")

    def _compose_cancelled(self) -> ComposeResult:
        yield Static(self.t("cancelled_text"), classes="warning", id="outcome")
        with Horizontal(classes="buttons"):
            yield Button(self.t("home"), id="home", variant="primary")

    # --- behaviour --------------------------------------------------------------------------
    def rebuild(self) -> None:
        self.call_later(self._rebuild)

    async def _rebuild(self) -> None:
        await self.recompose()
        if self.query("#original"):
            self.query_one("#original", Checkbox).focus()
            return
        for button in self.query(Button):
            if not button.disabled:
                button.focus()
                break

    def on_mount(self) -> None:
        self.rebuild()
        self.set_interval(PREVIEW_SECONDS, self._preview_tick)

    def _done(self, shot: dict) -> None:
        override.note_shot(self, shot)  # a rejected photo/signature counts towards (X)
        super()._done(shot)

    def _preview_tick(self) -> None:
        """While waiting for (T) Tomar, show what the camera sees (one frame at a time)."""
        step = self.session.step if self.session else None
        if step not in PURPOSE or self.shot is not None or self.busy or self.kiosk.hardware.camera is None:
            return
        if any(w.group == "preview" and w.is_running for w in self.workers):
            return
        hardware, purpose = self.kiosk.hardware, "preview:" + PURPOSE[step]

        def work() -> None:
            try:
                frame = hardware.capture(purpose)
            except DeviceError:
                return  # the shot itself reports a device problem
            self.app.call_from_thread(self._show_preview, step, frame)

        self.run_worker(work, thread=True, group="preview")

    def _show_preview(self, step: Step, frame) -> None:  # noqa: ANN001 - a BGR frame
        if self.session and self.session.step is step and self.shot is None and not self.busy and self.query("#shot"):
            self.query_one("#shot", ImageView).show(frame)

    def action_toggle_original(self) -> None:
        """(O) ticks the original-credential box."""
        if not self.query("#original"):
            raise SkipAction()
        self.query_one("#original", Checkbox).toggle()

    def nothing_to_press(self, ids: str) -> None:
        if "accept" in ids.split() and self.query("#original"):
            self._say(self.t("original_first"))

    def _say(self, message: str) -> None:
        self.error = message
        for box in self.query("#error").results(Static):
            box.update(message)
            box.set_classes("error")

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.original_ticked = event.value
        self.query_one("#accept", Button).disabled = not event.value
        if event.value and self.error:
            self._say("")
            self.query_one("#error", Static).set_classes("")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        action = event.button.id or ""
        session = self.session
        self.error = ""
        if action == "home":
            self.app.pop_screen()
            return
        if action == "new":
            self.start()
        elif action == "print":
            self._print_receipt()
        elif session is None or override.press(self, action):
            return
        elif action.startswith("model-"):
            session.choose_model(action.removeprefix("model-"))
            self._locate(session)
            scenes = self.kiosk.hardware.scenes
            if self.guided and scenes is not None:  # simulated: the citizen shows that model
                scenes.hold_model(session.model)
        elif action in ("take", "retake") and session.step in PURPOSE:
            self.shoot(PURPOSE[session.step])
            return
        elif action in ("sign", "retake") and session.step is Step.SIGNATURE:
            self.sign()
            return
        elif action == "accept":
            self._accept(session)
        elif action == "refuse":
            session.refuse_photo()
            self.shot = None
        elif action == "save":
            self._save(session)
        elif action in ("retake_front", "retake_back", "retake_photo", "retake_signature"):
            session.go(action)
            self.shot = None
        elif action == "cancel":
            if self._work_at_stake(session):
                self.confirm(self.t("cancel_capture_q"),
                             [("s", self.t("cancel_capture_yes"), "cancel"), ("n", self.t("stay"), "stay")],
                             self._cancel_answered)
            else:
                self._cancel()
            return
        self.rebuild()

    def _locate(self, session: CaptureSession) -> None:
        """Ask the GPS (when there is one) where this capture happens, while the person shows
        the credential; without a fix the record carries the alta location."""
        hardware = self.kiosk.hardware
        if hardware.gps is None:
            return

        def work() -> None:
            session.location = hardware.location()

        self.run_worker(work, thread=True, group="gps")

    def _work_at_stake(self, session: CaptureSession) -> bool:
        """Something of this person was taken (or is being taken): leaving must be confirmed."""
        return session.step is not Step.CREDENTIAL_TYPE or self.shot is not None or self.busy

    def _cancel_answered(self, value: str) -> None:
        if value == "cancel":
            self._cancel()

    def _cancel(self) -> None:
        session = self.session
        if session is not None and "cancel" in session.allowed():
            session.go("cancel")
        self.shot = None
        self.app.pop_screen()

    def _accept(self, session: CaptureSession) -> None:
        shot, step = self.shot, session.step
        if step is Step.ORIGINAL:
            if self.original_ticked:
                session.confirm_original()
            return
        if shot is None or not shot["ok"]:
            return
        if step is Step.FRONT:
            side = shot["side"]
            session.accept_front(side.stored, side.fields, side.warnings, side.model, side.screening)
        elif step is Step.BACK:
            side = shot["side"]
            session.accept_back(side.stored, side.fields, side.warnings, side.model, side.screening)
        elif step is Step.PHOTO:
            session.accept_photo(shot["gate"].stored)
        elif step is Step.SIGNATURE:
            session.accept_signature(shot["trajectory"], shot["png"])
        self.shot = None

    def _save(self, session: CaptureSession) -> None:
        try:
            self.saved = session.save(self.kiosk.station)
            self.saved_at = when(self.kiosk.station.now().at, self.kiosk.lang)
        except KioskError as refused:
            self.error = refused.message(self.kiosk.lang)

    def _print_receipt(self) -> None:
        """The comprobante for the person (no personal data); a printer problem becomes the
        Spanish device message on screen."""
        if self.saved is None:
            return
        config = self.kiosk.station.config()
        process = config.process.name if config else ""
        lines = receipt_lines(self.saved.folio, self.saved.integrity, process, self.saved_at, self.kiosk.lang)
        try:
            self.kiosk.hardware.print_receipt(lines)
            self.error, self.notice = "", self.t("printed")
        except DeviceError as error:
            self.error, self.notice = device_message(error, self.kiosk.lang), ""

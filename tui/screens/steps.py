"""Pieces shared by the capture and registration screens: taking a picture or a signature in a
worker thread through kiosk.checks, and the widgets that show a shot, its verdict and the fields.
"""

from __future__ import annotations

import logging

from rich.markup import escape
from rich.table import Table
from textual.widgets import Static

from drivers.errors import DeviceError
from kiosk import checks
from kiosk.devices import device_message
from kiosk.messages import contract
from tui.images import ImageView, decode

log = logging.getLogger(__name__)

MODEL_DRAWINGS = {  # 8 cells wide so six fit side by side at 80 columns
    "C": "┌──────┐\n│▣ ════│\n│┃│┃│┃│\n└──────┘",
    "D": "┌──────┐\n│▣ ══ ▪│\n│┃│┃│┃│\n└──────┘",
    "E": "┌──────┐\n│▣ ════│\n│<<<<<<│\n└──────┘",
    "F": "┌──────┐\n│▣ ══ ▪│\n│<<<<<<│\n└──────┘",
    "G": "┌──────┐\n│▣ ═ ▦ │\n│<<<<<<│\n└──────┘",
    "H": "┌──────┐\n│▣ ═▦▦ │\n│<<<<<<│\n└──────┘",
}


FIELD_ORDER = ("apellido_paterno", "apellido_materno", "nombres", "clave_elector", "curp", "birth_date", "sex",
               "cic", "ocr", "emision", "expiry_year")


class ShotMixin:
    """Takes shots for a screen that has `shot`, `busy`, `error` and an async `rebuild()`."""

    shot: dict | None
    busy: bool
    error: str

    def shoot(self, purpose: str) -> None:
        """Capture a frame for `purpose` (front, back, photo) and run its check."""
        hardware = self.app.hardware  # type: ignore[attr-defined]

        def work() -> dict:
            frame = hardware.capture(purpose)
            if purpose in ("front", "back"):
                front = getattr(self, "front_frame", None) if purpose == "back" else None
                side = checks.read_side(frame, front=front, asked=purpose)
                if purpose == "front":
                    self.front_frame = frame  # kept in memory so the back's reading can verify names
                return {"image": frame, "side": side, "ok": not side.errors}
            gate = checks.check_photo(frame)
            return {"image": frame, "gate": gate, "ok": gate.accepted}

        self._start(work)

    def sign(self) -> None:
        """Read a signature from the pad and run its check."""
        hardware = self.app.hardware  # type: ignore[attr-defined]

        def work() -> dict:
            trajectory = hardware.read_signature(timeout=60)
            gate = checks.check_signature(trajectory)
            png = checks.render_signature(trajectory) if trajectory.get("points") else b""
            return {"image": decode(png), "trajectory": trajectory, "png": png, "gate": gate, "ok": gate.accepted}

        self._start(work)

    def _start(self, work) -> None:  # noqa: ANN001 - a zero-argument callable returning a shot
        self.busy, self.error, self.shot = True, "", None
        self.rebuild()  # type: ignore[attr-defined]

        def run() -> None:
            try:
                shot = work()
            except DeviceError as error:
                log.error("device error during capture: %s", error)
                self.app.call_from_thread(self._failed, device_message(error, self.app.lang))  # type: ignore[attr-defined]
                return
            except Exception:  # a bug in a check: this shot is lost, the kiosk and the record go on
                log.exception("a capture step's check failed")
                self.app.call_from_thread(self._failed, "")  # type: ignore[attr-defined]
                return
            self.app.call_from_thread(self._done, shot)  # type: ignore[attr-defined]

        self.run_worker(run, thread=True, exclusive=True, group="device")  # type: ignore[attr-defined]

    def _done(self, shot: dict) -> None:
        self.busy, self.shot = False, shot
        self.rebuild()  # type: ignore[attr-defined]

    def _failed(self, message: str) -> None:
        """The shot did not come: a device's `message`, or none when a check failed on it."""
        self.busy = False
        self.error = self.app.t("device_error", msg=message) if message else self.app.t("check_failed")  # type: ignore[attr-defined]
        self.rebuild()  # type: ignore[attr-defined]


def sentences(parts: list[str]) -> str:
    """Sentences from several checks, one per line, with Spanish contractions ("de el" → "del")."""
    return contract("\n".join(f"• {p.strip()}" for p in parts if p.strip()))


def verdict(shot: dict | None, t) -> Static:  # noqa: ANN001 - t is the screen's catalog function
    """The verdict for a shot: accepted, or the reasons/errors, then any warnings."""
    if shot is None:
        return Static("", id="verdict")
    if "side" in shot:
        side = shot["side"]
        if side.errors:
            head = f"[b white on #b00000] {escape(t('side_errors_title'))} [/]\n{escape(sentences(side.errors))}"
        else:
            head = f"[b black on #3ad13a] {escape(t('verdict_ok'))} [/]"
        if side.warnings:
            head += f"\n[b #ffb000]{escape(t('side_warnings_title'))}[/]\n{escape(sentences(side.warnings))}"
        return Static(head, id="verdict", classes="bad" if side.errors else "good")
    gate = shot["gate"]
    if gate.accepted:
        return Static(t("verdict_ok"), id="verdict", classes="ok")
    return Static(t("verdict_bad_title") + "\n" + (sentences(gate.reasons) or "—"), id="verdict", classes="error")


def shot_image(shot: dict | None, fallback: bytes = b"") -> ImageView:
    image = shot.get("image") if shot else None
    return ImageView(image if image is not None else (fallback or None), id="shot")


def fields_view(fields: dict, t, empty: str = "no_fields", required: tuple[str, ...] = ()) -> Static:  # noqa: ANN001
    """The fields read from the credential with their source and whether they are verified;
    `required` fields are listed even when nothing was read for them."""
    fields = {**{name: {"value": "", "source": "", "missing": True} for name in required}, **fields}
    if not fields:
        return Static(t(empty), id="fields", classes="hint")
    table = Table(title=t("fields_title"), show_header=False, expand=True, box=None, title_style="bold yellow")
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_column(style="dim", no_wrap=True)
    order = {name: i for i, name in enumerate(FIELD_ORDER)}
    for name, value in sorted(fields.items(), key=lambda item: (order.get(item[0], len(order)), item[0])):
        shown = value.get("value") if isinstance(value, dict) else value
        source = value.get("source", "") if isinstance(value, dict) else ""
        verified = isinstance(value, dict) and value.get("verified")
        label = t(f"field_{name}")
        where = t("source_" + source) if source and t("source_" + source) != "source_" + source else source
        table.add_row(name if label == f"field_{name}" else label, str(shown) if shown not in (None, "") else "—",
                      t("not_read") if isinstance(value, dict) and value.get("missing") else f"{where} {'✔' if verified else '?'}".strip())
    return Static(table, id="fields")

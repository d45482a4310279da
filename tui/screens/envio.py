"""Envío: the queue by state, uploads in progress, acuses received, quarantined records with
their reasons, and export of the sealed envelopes to a USB stick (kiosk.transfer)."""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, ProgressBar, Static

from kiosk.errors import KioskError
from kiosk.messages import file_reason
from kiosk.transfer import export_envelopes
from kiosk.vault import STATES
from tui.messages import clock
from tui.screens.base import KioskScreen


def upload_progress(vault) -> dict[str, tuple[int, int]]:  # noqa: ANN001 - kiosk.vault.Vault
    """{folio: (bytes sent, total)} of the uploads in progress; {} when there are none or the
    value is unreadable."""
    try:
        raw = json.loads(vault.get_meta("upload_progress") or "{}")
        return {str(f): (int(v[0]), int(v[1])) for f, v in raw.items()}
    except (ValueError, TypeError, IndexError, AttributeError):
        return {}


class EnvioScreen(KioskScreen):
    CSS_PATH = "envio.tcss"
    KEYS = {"x": "export", "escape": "back"}
    REFRESH_SECONDS = 1.0

    def compose(self) -> ComposeResult:
        yield Static(self.t("envio_title"), classes="title")
        with VerticalScroll(id="body"):
            yield Static(self._counts(), id="counts")
            with Vertical(id="progress"):
                yield Static(self.t("progress_title"), classes="subtitle")
                yield Static(id="progress-folio", classes="hint")
                yield ProgressBar(id="progress-bar", show_eta=False)
            yield Static(self._acuses(), id="acuses")
            yield Static(self._quarantine(), id="quarantine")
            yield Static(id="export-result")
        with Horizontal(id="export-row"):
            yield Static(self.t("export_dir") + ":", classes="label")
            yield Input(id="export-dir", compact=True)
        with Horizontal(classes="buttons"):
            yield Button(self.t("btn_export"), id="export", variant="primary")
            yield Button(self.t("back"), id="back")

    def on_mount(self) -> None:
        self._fill_progress()
        self.set_interval(self.REFRESH_SECONDS, self.refresh_data)

    def _fill_progress(self) -> None:
        """The upload the sync daemon is doing now (vault meta "upload_progress": {folio: [sent, total]})."""
        progress = upload_progress(self.kiosk.station.vault)
        box = self.query_one("#progress")
        box.display = bool(progress)
        if progress:
            folio, (sent, total) = sorted(progress.items())[0]
            more = len(progress) - 1
            self.query_one("#progress-folio", Static).update(
                self.t("progress_folio", folio=folio, sent=sent // 1024, total=max(1, total // 1024))
                + (self.t("progress_more", n=more) if more else ""))
            self.query_one("#progress-bar", ProgressBar).update(total=max(1, total), progress=sent)

    def refresh_data(self) -> None:
        self.query_one("#counts", Static).update(self._counts())
        self.query_one("#acuses", Static).update(self._acuses())
        self.query_one("#quarantine", Static).update(self._quarantine())
        self._fill_progress()

    def _counts(self) -> Table:
        counts = self.kiosk.station.vault.counts()
        table = Table(show_header=False, box=None)
        table.add_column(style="bold")
        table.add_column(justify="right")
        for state in STATES:
            table.add_row(self.t(f"state_{state}"), str(counts[state]))
        return table

    def _acuses(self) -> Table:
        table = Table(title=self.t("acuses_title"), title_style="bold yellow", expand=True, box=None)
        for col in ("col_folio", "col_verdict", "col_received"):
            table.add_column(self.t(col))
        rows = self.kiosk.station.vault.acuses(limit=20)
        for a in rows:
            table.add_row(a["folio"], a["verdict"], clock(a["received_at"]))
        if not rows:
            table.add_row(self.t("nothing"), "", "")
        return table

    def _quarantine(self) -> Table:
        vault = self.kiosk.station.vault
        table = Table(title=self.t("quarantine_title"), title_style="bold yellow", expand=True, box=None)
        for col in ("col_folio", "col_kind", "col_reason"):
            table.add_column(self.t(col))
        rows = vault.by_state("quarantined", 50) + vault.by_state("rejected", 50)
        for env in rows:
            table.add_row(env.folio, self.t("kind_" + env.kind), env.reason or "—")
        if not rows:
            table.add_row(self.t("nothing"), "", "")
        return table

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#export", Button).press()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "back":
            self.app.pop_screen()
        elif event.button.id == "export":
            self.export()

    def export(self) -> None:
        result = self.query_one("#export-result", Static)
        folder = self.query_one("#export-dir", Input).value.strip()
        if not folder:
            self.query_one("#export-dir", Input).focus()
            result.update(self.t("export_dir_needed"))
            result.set_classes("warning")
            return
        try:
            n = export_envelopes(self.kiosk.station, Path(folder))
        except (OSError, KioskError) as exc:
            lang = self.kiosk.lang
            reason = file_reason(exc, lang) if isinstance(exc, OSError) else exc.message(lang)
            result.update(self.t("export_failed", reason=reason))
            result.set_classes("error")
            return
        result.update(self.t("exported", n=n, dir=folder))
        result.set_classes("ok")

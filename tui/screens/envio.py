"""Envío: the queue by state, uploads in progress, acuses received, quarantined records with
their reasons, and export of the sealed envelopes to a USB stick (kiosk.transfer)."""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, ProgressBar, Static

from kiosk.transfer import export_envelopes
from kiosk.vault import STATES
from tui.screens.base import KioskScreen


class EnvioScreen(KioskScreen):
    CSS_PATH = "envio.tcss"
    KEYS = {"x": "export", "escape": "back"}

    def compose(self) -> ComposeResult:
        vault = self.kiosk.station.vault
        yield Static(self.t("envio_title"), classes="title")
        with VerticalScroll(id="body"):
            yield Static(self._counts(), id="counts")
            progress = json.loads(vault.get_meta("upload_progress") or "{}")
            if progress:
                yield Static(self.t("progress_title"), classes="subtitle")
                for folio, (sent, total) in sorted(progress.items()):
                    yield Static(folio, classes="hint")
                    yield ProgressBar(total=max(1, int(total)), show_eta=False)
            yield Static(self._acuses(), id="acuses")
            yield Static(self._quarantine(), id="quarantine")
            yield Static(id="export-result")
        with Horizontal(classes="buttons"):
            yield Input(placeholder=self.t("export_dir"), id="export-dir")
            yield Button(self.t("btn_export"), id="export", variant="primary")
            yield Button(self.t("back"), id="back")

    def on_mount(self) -> None:
        self._fill_progress()
        self.set_interval(3, self.refresh_data)

    def _fill_progress(self) -> None:
        progress = json.loads(self.kiosk.station.vault.get_meta("upload_progress") or "{}")
        for bar, (_folio, (sent, _total)) in zip(self.query(ProgressBar), sorted(progress.items())):
            bar.update(progress=int(sent))

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
            table.add_row(a["folio"], a["verdict"], str(a["received_at"])[:19])
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
            table.add_row(env.folio, env.kind, env.reason or "—")
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
            return
        try:
            n = export_envelopes(self.kiosk.station, Path(folder))
        except OSError as exc:
            result.update(self.t("export_failed", reason=exc.strerror or str(exc)))
            result.set_classes("error")
            return
        result.update(self.t("exported", n=n, dir=folder))
        result.set_classes("ok")

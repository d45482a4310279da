"""Inicio: the process banner, device, queue counts, link and clock state, warnings, and the menu
(which depends on whether an auxiliar is logged in)."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.messages import text as core_text
from kiosk.domain import SEND_GRACE
from kiosk.station import MIN_FREE_BYTES
from tui.images import ImageView
from tui.messages import clock, when
from tui.screens.base import KioskScreen

LOW_DISK_BYTES = 10 * MIN_FREE_BYTES
GRACE = SEND_GRACE
LATE_RISK = timedelta(hours=6)  # pending records this close to the end of the grace: warn


def span(delta: timedelta) -> str:
    """A duration the way a person reads it: "3 d 04 h", "5 h 12 min", "8 min"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours:02d} h"
    if hours:
        return f"{hours} h {mins:02d} min"
    return f"{mins} min"


class InicioScreen(KioskScreen):
    CSS_PATH = "inicio.tcss"
    KEYS = {"i": "login", "c": "capture", "m": "selfservice", "p": "cedulas", "e": "envio",
            "t": "tecnico", "s": "logout"}

    def compose(self) -> ComposeResult:
        if self.kiosk.station is None:  # the vault is closed while this kiosk is enrolled again
            yield Static(self.t("busy"), id="status")
            return
        config = self.kiosk.station.config()
        with Horizontal(id="banner"):
            if config and config.process.emblem_png:
                yield ImageView(config.process.emblem_png, id="emblem")
            with Vertical(id="process"):
                if config:
                    p = config.process
                    yield Static(p.name, classes="title", id="process-name")
                    yield Static(f"{self.t('promovente')}: {p.promovente}")
                    yield Static(self.t("period_span", start=clock(p.period_start), end=clock(p.period_end)), id="period")
                    yield Static(self.countdown(), id="countdown")
                else:
                    yield Static(self.t("app_title"), classes="title")
        status = self.kiosk.station.status()
        warnings = self.warnings(status["time_confidence"])
        yield Static(self.status_text(status), id="status")
        yield Static("\n".join(warnings), id="warnings", classes="warning" if warnings else "hidden")
        with Grid(id="menu"):
            if self.kiosk.operator:
                yield Button(self.t("btn_capture"), id="capture", variant="primary")
                if config and config.self_service:
                    yield Button(self.t("btn_selfservice"), id="selfservice")
                yield Button(self.t("btn_cedulas"), id="cedulas")
                yield Button(self.t("btn_envio"), id="envio")
                yield Button(self.t("btn_logout"), id="logout")
            else:
                yield Button(self.t("btn_login"), id="login", variant="primary")
            yield Button(self.t("btn_tecnico"), id="tecnico")
        if os.environ.get("APOYO_KIOSK_DEMO") and not self.kiosk.operator:
            yield Static(self.t("demo_hint"), classes="hint", id="demo-hint")
        yield Static(self.t("lang_hint"), classes="hint", id="lang")

    def on_mount(self) -> None:
        self.set_interval(3, self.update_status)

    async def on_screen_resume(self) -> None:
        await self.recompose()

    def update_status(self) -> None:
        if not self.query("#status") or self.kiosk.station is None:
            return
        status = self.kiosk.station.status()
        self.query_one("#status", Static).update(self.status_text(status))
        warnings = self.warnings(status["time_confidence"])
        box = self.query_one("#warnings", Static)
        box.update("\n".join(warnings))
        box.set_classes("warning" if warnings else "hidden")
        if self.query("#countdown"):
            self.query_one("#countdown", Static).update(self.countdown())

    def countdown(self) -> str:
        """Time left to capture, then to send (the 24-hour grace after the period ends)."""
        config = self.kiosk.station.config()
        if config is None:
            return ""
        now, p = self.kiosk.station.now().at, config.process
        if now < p.period_start:
            return self.t("countdown_opens", left=span(p.period_start - now))
        if now < p.period_end:
            return self.t("countdown_capture", left=span(p.period_end - now), grace=span(p.period_end + GRACE - now))
        if now < p.period_end + GRACE:
            return self.t("countdown_grace", left=span(p.period_end + GRACE - now))
        return self.t("countdown_over")

    def status_text(self, status: dict) -> str:
        c = status["counts"]
        who = (self.t("operator_in", name=self.kiosk.operator_name(), id=self.kiosk.operator)
               if self.kiosk.operator else self.t("operator_out"))
        if status["last_sync_error"]:  # the daemon's last pass failed: the person reads why, in Spanish
            problem = (status["last_sync_problem"] or self.t("link_no_reason"))[:60]
            link = self.t("link_down" if status["last_sync_link_down"] else "link_problem", reason=problem)
        elif status["last_sync"]:
            link = self.t("link_ok")
        else:
            link = self.t("link_unknown")
        conf = core_text("clock_" + status["time_confidence"], self.kiosk.lang)
        lines = [
            f"{self.t('device')}: {status['device_id']}   {self.t('process')}: {status['process_id'] or '—'}",
            self.t("queue", pending=c["sealed"] + c["uploading"], done=c["acknowledged"] + c["deleted"],
                   quarantined=c["quarantined"] + c["rejected"]),
            self.t("last_sync", when=when(status["last_sync"], self.kiosk.lang)),
            link,
            self.t("time_conf", conf=conf),
            who,
        ]
        return "\n".join(lines)

    def warnings(self, confidence: str) -> list[str]:
        station = self.kiosk.station
        out = []
        config = station.config()
        if config is None:
            out.append(self.t("warn_no_process"))
        elif not config.process.capture_open(station.now().at):
            out.append(self.t("warn_period_closed"))
        if config is not None:
            pending = station.records_without_acuse()
            left = config.process.period_end + GRACE - station.now().at
            if pending and left < LATE_RISK:
                out.append(self.t("warn_late", n=pending, left=span(max(left, timedelta(0)))))
        free = shutil.disk_usage(station.data.root).free
        if free < LOW_DISK_BYTES:
            out.append(self.t("warn_disk", free=free // 2**20))
        for message in self.kiosk.hardware.problems.values():
            out.append(self.t("warn_device", msg=message))
        if confidence == "baja":
            out.append(self.t("warn_clock"))
        return out

    def on_button_pressed(self, event: Button.Pressed) -> None:
        from tui.screens.capture import CaptureScreen
        from tui.screens.cedulas import CedulasScreen
        from tui.screens.envio import EnvioScreen
        from tui.screens.login import LoginScreen
        from tui.screens.tecnico import TecnicoScreen

        target = {"login": LoginScreen, "capture": CaptureScreen, "cedulas": CedulasScreen,
                  "envio": EnvioScreen, "tecnico": TecnicoScreen}
        if event.button.id == "logout":
            self.kiosk.logout()
        elif event.button.id == "selfservice":
            self.app.push_screen(CaptureScreen(guided=True))
        elif event.button.id in target:
            self.app.push_screen(target[event.button.id]())



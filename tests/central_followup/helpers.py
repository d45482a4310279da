"""Records for the end-of-process tests: fictitious MUESTRA people captured on a real kiosk (app
apoyos and paper cédulas), sent to a real receiver on loopback and processed."""

from __future__ import annotations

import os

from kiosk.domain import ApoyoRecord, ManualRecord
from kiosk.station import Station
from sync.daemon import SyncDaemon
from central.receiver.admin import process_envelopes


def clave(i: int) -> str:
    return f"MUEST{chr(65 + i)}8501{10 + i:02d}20H{i:03d}"


def app_apoyo(i: int) -> ApoyoRecord:
    def field(value: str) -> dict:
        return {"value": value, "source": "mrz", "verified": True}

    return ApoyoRecord(
        credential_model="H",
        front_image=os.urandom(2_000), back_image=os.urandom(2_000),
        fields={"nombres": field(f"PERSONA{i}"), "apellido_paterno": field("MUESTRA"), "apellido_materno": field("EJEMPLO"),
                "clave_elector": field(clave(i)), "cic": field(f"{100000000 + i}"), "ocr": field(f"{1000000000000 + i}"),
                "emision": field("01")},
        original_presented=True, live_photo=os.urandom(1_000),
        signature_trajectory={"width": 10, "height": 5, "points": [[0, 1, 2, 3, 1]]}, signature_png=os.urandom(100),
    )


def paper_cedula(i: int) -> ManualRecord:
    return ManualRecord(numero_referencia=f"C-0001-{i}", nombres=f"PERSONA{i}", apellido_paterno="MUESTRA",
                        apellido_materno="PAPEL", clave_elector=clave(i))


def capture_and_process(station: Station, receiver, apps: int, cedulas: int) -> tuple[list[str], list[str]]:
    """Capture `apps` app apoyos and `cedulas` paper cédulas (different people), send them over
    the real link, run the processing step; returns (app folios, cédula folios)."""
    app_folios = [station.save_apoyo(app_apoyo(i), "A0001").folio for i in range(apps)]
    paper = [station.save_manual(paper_cedula(apps + i), "A0002") for i in range(cedulas)]
    summary = SyncDaemon(station).run_once()
    assert summary.link_ok and not summary.errors and station.vault.pending() == []
    process_envelopes(receiver)
    return app_folios, paper

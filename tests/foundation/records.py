"""Synthetic records for the foundation tests (fictitious people, marker strings)."""

from __future__ import annotations

import os

from kiosk.domain import ApoyoRecord, ManualRecord


def apoyo(marker: str = "MUESTRA") -> ApoyoRecord:
    return ApoyoRecord(
        credential_model="H",
        front_image=os.urandom(30_000),
        back_image=os.urandom(30_000),
        fields={
            "apellido_paterno": {"value": marker + "PATERNO", "source": "mrz", "verified": True},
            "nombres": {"value": marker + "NOMBRE", "source": "mrz", "verified": True},
            "cic": {"value": "123456789", "source": "mrz", "verified": True},
        },
        original_presented=True,
        live_photo=os.urandom(15_000),
        signature_trajectory={"width": 100, "height": 50, "points": [[0, 1, 2, 300, 1], [10, 5, 9, 310, 1]]},
        signature_png=os.urandom(3_000),
    )


def manual(clave: str, marker: str = "MUESTRA", n: int = 1) -> ManualRecord:
    return ManualRecord(
        numero_referencia=f"C-000123-{n}",
        nombres=marker + "NOMBRE",
        apellido_paterno=marker + "PATERNO",
        apellido_materno="",
        clave_elector=clave,
    )

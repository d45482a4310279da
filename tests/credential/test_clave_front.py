"""The clave de elector from the front: kept only when its birth date, sex and letters agree with
what the CURP's check digit (or the MRZ) verified; otherwise empty and flagged, never guessed."""

from __future__ import annotations

import numpy as np

from kiosk.credential.reader import CredentialReading, SideReading, _apply_front, _verify_clave
from kiosk.specimens import make_card


def read_front_text(text: str) -> CredentialReading:
    reading = CredentialReading()
    side = SideReading(side="front", card=np.zeros((4, 4, 3), np.uint8), front_text=text)
    _apply_front(reading, side, None)
    _verify_clave(reading)
    return reading


def front_text(clave: str, curp: str) -> str:
    return f"INSTITUTO NACIONAL ELECTORAL\nCREDENCIAL PARA VOTAR\nCLAVE DE ELECTOR {clave}\nCURP {curp}\n"


def test_clave_verified_against_the_curp():
    for seed in (2000, 2001, 2002):
        _, _, truth = make_card(seed)
        clave, curp = truth["fields"]["clave_elector"], truth["fields"]["curp"]
        reading = read_front_text(front_text(clave, curp))
        assert reading.fields["birth_date"].verified, "precondition: the CURP read"
        assert reading.fields["clave_elector"].as_dict() == {"value": clave, "source": "ocr", "verified": True}


def test_clave_that_does_not_agree_is_left_empty_and_flagged():
    _, _, truth = make_card(2003)
    clave, curp = truth["fields"]["clave_elector"], truth["fields"]["curp"]
    other_day = f"{int(clave[10:12]) % 28 + 1:02d}"
    wrong_date = clave[:10] + other_day + clave[12:]
    wrong_letters = ("Z" if clave[0] != "Z" else "Y") + clave[1:]
    for bad in (wrong_date, wrong_letters):
        reading = read_front_text(front_text(bad, curp))
        assert reading.fields["clave_elector"].value is None and not reading.fields["clave_elector"].verified
        assert "clave_unverified" in [w.code for w in reading.warnings]


def test_no_clave_on_the_front_is_flagged():
    _, _, truth = make_card(2004)
    reading = read_front_text(f"CREDENCIAL PARA VOTAR\nCURP {truth['fields']['curp']}\n")
    assert reading.fields["clave_elector"].value is None
    assert "clave_unread" in [w.code for w in reading.warnings]
    assert "lea" in reading.warnings[-1].message or "leer" in reading.warnings[-1].message

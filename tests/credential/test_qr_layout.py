"""The QR in the layout the issue documents (`…/OCR13 EMISION2 CIC9/YYYYMMDD/P/NNNNNN`): its CIC
and OCR are taken by their place unless line 1 of the MRZ says otherwise; no other layout is."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from credential_eval.generator import scene  # noqa: E402

from kiosk.credential import read_image  # noqa: E402
from kiosk.credential.codes import qr_by_layout  # noqa: E402
from kiosk.credential.mrz import birth_date  # noqa: E402
from kiosk.credential.ocrb import ALPHABET  # noqa: E402
from kiosk.identifiers import icao_check_digit  # noqa: E402

CIC, OCR = "436550372", "2886346383411"
PAYLOAD = f"https://qr.ine.mx/{OCR}08{CIC}/20201228/P/802193"
LINE1 = f"IDMEX{CIC}{icao_check_digit(CIC)}<<{OCR}"


def _cells(line: str, sure: float = 0.99) -> np.ndarray:
    """Classifier probabilities for a read of `line`, each cell `sure` of its character."""
    probs = np.full((len(line), len(ALPHABET)), (1 - sure) / (len(ALPHABET) - 1), np.float32)
    for i, ch in enumerate(line):
        probs[i, ALPHABET.index(ch)] = sure
    return probs


def test_the_documented_layout_gives_cic_and_ocr_by_their_place():
    assert qr_by_layout(PAYLOAD, [], []) == {"cic": CIC, "ocr": OCR}
    assert qr_by_layout(PAYLOAD, ["IDMEX43655O3727<<28863463834E<"], [_cells(LINE1)]) == {"cic": CIC, "ocr": OCR}


def test_other_layouts_are_not_taken_by_place():
    for text in (f"https://qr.ine.mx/{OCR}08{CIC}", f"https://qr.ine.mx/{CIC}{OCR}08",
                 f"https://qr.ine.mx/{OCR}08{CIC}/20201228/P/802193/x", f"https://example.mx/{OCR}08{CIC}/20201228/P/802193"):
        assert qr_by_layout(text, [], []) == {}, text


def test_line1_saying_otherwise_refuses_the_layout():
    other_cic = "436550373"
    other = f"IDMEX{other_cic}{icao_check_digit(other_cic)}<<{OCR}"
    assert qr_by_layout(PAYLOAD, [other], []) == {}  # another CIC whose check digit holds
    altered = LINE1[:20] + str((int(LINE1[20]) + 3) % 10) + LINE1[21:]
    assert qr_by_layout(PAYLOAD, [altered], []) == {}  # the OCR printed one digit off
    blurred = LINE1[:28] + "32"
    assert qr_by_layout(PAYLOAD, [blurred], []) == {"cic": CIC, "ocr": OCR}  # two off: a blurred read
    assert qr_by_layout(PAYLOAD, [], [_cells("<" + altered)]) == {}  # a cell sure of another digit
    assert qr_by_layout(PAYLOAD, [], [_cells("<" + altered, sure=0.6)]) == {"cic": CIC, "ocr": OCR}


def test_a_hard_photo_whose_mrz_ends_blurred_gets_its_ocr_from_the_layout():
    """Dev seed: the MRZ's check digit confirms the CIC, its OCR's last two digits (11) read 32."""
    image, truth = scene(3760012, "hard", "genuine")
    reading = read_image(image)
    assert truth["qr_layout"] == "ocr-em-cic-path"
    assert reading.fields["cic"].verified and reading.fields["cic"].value == truth["cic"]
    assert reading.fields["ocr"].verified and reading.fields["ocr"].value == truth["ocr"]


def test_a_read_that_lost_a_digit_is_not_repaired_with_the_window_beside_the_ocr():
    """Dev seed (altered birth check digit): line 1's OCR read without its first digit is two off
    the QR's window beside the OCR, and a misread line 2 met the composite with it: OCR and birth
    date were verified wrong. With the layout only the OCR's own window is tried."""
    image, truth = scene(3820286, "hard", "altered")
    reading = read_image(image)
    expected = {"cic": truth["cic"], "ocr": truth["ocr"], "birth_date": birth_date(truth["birth"]).isoformat()}
    for name, value in expected.items():
        field = reading.fields[name]
        assert not field.verified or str(field.value) == value, (name, field.value, value)
    assert reading.fields["ocr"].verified


def test_a_grid_cut_wrong_is_no_witness_against_the_layout():
    """A cell sure of another digit refuses the layout only where the cells otherwise read the QR's
    value in place: the OCR is aligned on its own near where line 1 puts it, and a segment that
    reads mostly otherwise (a cell lost or gained, glare) says nothing. Dev seeds 4180010 and
    4180052 (hard, documented layout forced): a grid with one cell too many before the OCR's last
    digits, and one that lost a cell inside the CIC, refused QRs that were decoded exactly."""
    gained = LINE1[:17] + "<" + LINE1[17:]  # one cell more between the fillers and the OCR
    assert qr_by_layout(PAYLOAD, [], [_cells("<" + gained + "<")]) == {"cic": CIC, "ocr": OCR}
    lost = LINE1[:8] + LINE1[9:] + "<"  # a cell of the CIC lost: every cell after it one on
    assert qr_by_layout(PAYLOAD, [], [_cells("<" + lost)]) == {"cic": CIC, "ocr": OCR}
    # a print that differs in one digit, however the grid was cut, still refuses
    altered = LINE1[:22] + str((int(LINE1[22]) + 4) % 10) + LINE1[23:]
    assert qr_by_layout(PAYLOAD, [], [_cells("<" + altered[:17] + "<" + altered[17:] + "<")]) == {}
    altered_cic = LINE1[:7] + str((int(LINE1[7]) + 4) % 10) + LINE1[8:]
    assert qr_by_layout(PAYLOAD, [], [_cells("<" + altered_cic)]) == {}

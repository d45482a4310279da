"""Cells of a verified cell read that the doubts leave alone (mrztext._view_text): sure_cells, the
classifier sure of the digit, witnesses against other reads; placed_cells, those and the round
glyphs read as 0, which say only that the grid stands on a glyph (doubt_where_ocr_unseen)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from credential_eval.generator import scene  # noqa: E402

from kiosk.credential import read_image  # noqa: E402
from kiosk.credential.cells import scores_from_probabilities  # noqa: E402
from kiosk.credential.mrztext import _view_text  # noqa: E402
from kiosk.credential.ocrb import ALPHABET, LineRead  # noqa: E402

LINES = ["IDMEX7860047909<<9061871244973", "4512167H3412318MEX<08<<44973<6", "BARRERA<PADILLA<<JOAQUIN<<<<<<"]


def _line(text: str, split: dict[int, dict[str, float]]) -> LineRead:
    """A line of cells the classifier gives 0.99 to their character, or the shares in `split`."""
    probs = np.full((len(text), len(ALPHABET)), 0.01 / len(ALPHABET), np.float64)
    for i, ch in enumerate(text):
        for rival, p in split.get(i, {ch: 0.99}).items():
            probs[i, ALPHABET.index(rival)] = p
    return LineRead(scores=scores_from_probabilities(probs), left=0, center_y=0, blur=0)


def _cells(split: dict[int, dict[str, float]]) -> tuple[set, set]:
    """(sure, placed) cells of a read of LINES whose line 1 cells are split as `split` says."""
    text = _view_text([_line(LINES[0], split), _line(LINES[1], {}), _line(LINES[2], {})], None)
    assert text is not None and text.mrz.verified
    return text.sure_cells, text.placed_cells


def test_a_zero_split_with_the_round_letters_is_placed_but_no_witness():
    assert LINES[0][18:20] == "06"  # the OCR's second and third digits
    sure, placed = _cells({})
    assert (0, 18) in sure and sure <= placed
    for split in ({"0": 0.6, "O": 0.39}, {"0": 0.55, "O": 0.25, "D": 0.19}):
        sure, placed = _cells({18: split})
        assert (0, 18) in placed and (0, 18) not in sure, split
    for split in ({"0": 0.6, "8": 0.39}, {"0": 0.6, "K": 0.39}):  # another digit, or a glyph unlike a 0
        sure, placed = _cells({18: split})
        assert (0, 18) not in placed, split
    sure, placed = _cells({19: {"6": 0.6, "G": 0.39}})  # the round letters count for the 0 alone
    assert (0, 19) not in placed


def test_a_blurred_ocr_whose_zeros_the_classifier_split_with_the_letter_o_is_verified():
    """Dev seed 5960119 (medium, own design, the QR an opaque URL): the cells read every character
    right, two of the OCR's 0s at 0.69 and 0.63 and the rest O; counted unsure, they let
    tesseract's views, which read the CIC and garbled the OCR, leave it for the QR
    (doubt_where_ocr_unseen)."""
    image, truth = scene(5960119, "medium", "genuine")
    reading = read_image(image)
    for name in ("cic", "ocr"):
        assert reading.fields[name].verified and reading.fields[name].value == truth[name], name

"""MRZ layout and check-digit resolution: the reader's composite agrees with the generator's, and
confusables are resolved only where the field type and the check digits allow it.
"""

from __future__ import annotations

import numpy as np

from kiosk.credential.mrz import MrzReading, composite_data, decode_td1, split_name
from kiosk.credential.mrztext import TextRead
from kiosk.credential.ocrb import ALPHABET, LineRead
from kiosk.identifiers import icao_check_digit
from kiosk.specimens import make_card


def scored(line: str, doubts: dict[int, dict[str, float]] | None = None) -> LineRead:
    """A line whose cells score 0.95 for the given character (and `doubts` for rivals)."""
    scores = np.full((len(line), len(ALPHABET)), 0.2, np.float32)
    for i, ch in enumerate(line):
        scores[i, ALPHABET.index(ch)] = 0.95
        for rival, value in (doubts or {}).get(i, {}).items():
            scores[i, ALPHABET.index(rival)] = value
    return LineRead(scores=scores, left=0, center_y=0, blur=0)


def test_composite_matches_generator():
    for seed in range(20):
        _, _, truth = make_card(seed, model="G")
        l1, l2, _ = truth["mrz"]
        assert icao_check_digit(composite_data(l1, l2)) == l2[29]


def test_clean_lines_verify_and_parse():
    _, _, truth = make_card(3, model="H", long_name=False)
    result = decode_td1([scored(line) for line in truth["mrz"]])
    assert result.verified
    assert result.values["cic"] == truth["fields"]["cic"]
    assert result.values["ocr"] == truth["fields"]["ocr"]
    assert result.values["birth_date"] == truth["fields"]["birth_date"]
    assert result.values["expiry_year"] == truth["fields"]["expiry_year"]


def test_letter_read_in_digit_field_is_resolved_by_type():
    _, _, truth = make_card(4, model="G")
    l1, l2, l3 = truth["mrz"]
    # The engine prefers O over the true digit at CIC position 3: a digit field cannot hold O.
    line1 = scored(l1, {8: {"O": 0.99}})
    result = decode_td1([line1, scored(l2), scored(l3)])
    assert result.verified and result.values["cic"] == truth["fields"]["cic"]


def test_close_digit_resolved_by_check_digit_only_when_unique():
    _, _, truth = make_card(5, model="G")
    l1, l2, l3 = truth["mrz"]
    true_digit = l1[9]
    wrong = str((int(true_digit) + 1) % 10)
    line1 = scored(l1, {9: {wrong: 0.97}})  # the wrong digit wins narrowly
    result = decode_td1([line1, scored(l2), scored(l3)])
    assert result.verified and result.values["cic"] == truth["fields"]["cic"]
    assert "cic" in result.corrected


def test_two_doubtful_cells_resolved_when_one_combination_holds():
    _, _, truth = make_card(6, model="G")
    l1, l2, l3 = truth["mrz"]
    doubts = {20: {str((int(l1[20]) + 1) % 10): 0.97}, 22: {str((int(l1[22]) + 2) % 10): 0.96}}
    result = decode_td1([scored(l1, doubts), scored(l2), scored(l3)])
    assert result.verified and result.values["ocr"] == truth["fields"]["ocr"]


def test_two_valid_combinations_refuse_instead_of_guessing():
    _, _, truth = make_card(6, model="G")
    l1, l2, l3 = truth["mrz"]
    # Composite weights: line1[20] -> 7, line1[22] -> 1; +1 and +3 cancel (7 + 3 = 10).
    doubts = {20: {str((int(l1[20]) + 1) % 10): 0.94}, 22: {str((int(l1[22]) + 3) % 10): 0.94}}
    result = decode_td1([scored(l1, doubts), scored(l2), scored(l3)])
    assert not result.verified
    assert "mrz_check_composite" in result.problems


def test_broken_check_digit_refused():
    _, _, truth = make_card(7, model="G", break_check="birth")
    result = decode_td1([scored(line) for line in truth["mrz"]])
    assert not result.verified and "mrz_check_birth" in result.problems


def test_split_name_and_truncation():
    assert split_name("PEREZ<LOPEZ<<MARIA<JOSE<<<<<<<") == ("PEREZ", "LOPEZ", "MARIA JOSE", False)
    assert split_name("VILLANUEVA<CERVANTES<<ALEJANDR")[3] is True


def test_a_verified_read_the_cells_read_otherwise_leaves_those_fields_weak():
    from kiosk.credential.mrztext import CHECKED_CELLS, doubt_where_cells_differ

    mrz = MrzReading(lines=["IDMEX7998474639<<0684552370868", "3302048M2712310MEX<09<<70868<4", "CARRILLO<TREJO<<MARIA<DEL<CARM"],
                     verified=True)
    cells = ["IDMEX7998474639<<06845523708<<", "8802048M2712310MEX<<?<<<70868?", "CARRILLO<TREJO<<MUUUU<<XEL<CAF"]
    doubt_where_cells_differ(mrz, TextRead(lines=cells, sure_cells=set(CHECKED_CELLS)))
    # the birth differs where the cells read digits; the OCR only where they read '<' (not a digit)
    assert mrz.weak == {"birth_date"}
    astray = MrzReading(lines=list(mrz.lines), verified=True)
    doubt_where_cells_differ(astray, TextRead(lines=cells, sure_cells=set(CHECKED_CELLS) - {(1, 0), (1, 1)}))
    assert astray.weak == set()  # digits the classifier was unsure of are no witness
    slipped = MrzReading(lines=list(mrz.lines), verified=True)
    doubt_where_cells_differ(slipped, TextRead(lines=["IDMEX?99847463<<<0684552370868", "?330204M2712310MEX<09<<70868<4", cells[2]],
                                               sure_cells=set(CHECKED_CELLS)))
    assert slipped.weak == set()  # cells that slipped by one read tesseract's characters beside them
    other = MrzReading(lines=list(mrz.lines), verified=True)
    doubt_where_cells_differ(other, TextRead(lines=["INSTITUTO<NACIONAL<ELECTORAL<1", "MEXICO<<CREDENCIAL<PARA<VOTAR2", cells[2]],
                                             sure_cells=set(CHECKED_CELLS)))
    assert other.weak == set()  # cells that read other text are no witness
    two_off = MrzReading(lines=["IDMEX2714662611<<8072029215667", "5503137M3412318MEX<00<<15667<4", "MONTES<DE<OCA<PADILLA<<LUIS<AN"],
                         verified=True)  # a fresh-seed photo: the cells two behind along the CIC and the OCR
    doubt_where_cells_differ(two_off, TextRead(lines=["IDMEX27??166261?<<<8072??29215", two_off.lines[1], "KNTES<DE<OCA<PADILLA<<LUIS<AN<"],
                                               sure_cells=set(CHECKED_CELLS)))
    assert two_off.weak == set()
    smudged = MrzReading(lines=list(mrz.lines), verified=True)
    doubt_where_cells_differ(smudged, TextRead(lines=[cells[0], "88?2048M2712310MEX<09<<70868<4", cells[2]], sure_cells=set(CHECKED_CELLS)))
    assert smudged.weak == {"birth_date"}  # the first 8 stands; the second is beside a cell not read
    smudged = MrzReading(lines=list(mrz.lines), verified=True)
    doubt_where_cells_differ(smudged, TextRead(lines=[cells[0], "?8?2048M2712310MEX<09<<70868<4", cells[2]], sure_cells=set(CHECKED_CELLS)))
    assert smudged.weak == set()
    # dev 3110040: the OCR 7984530516114 read by the cells '798453051<13<', a sure 3 between two
    # fillers where tesseract read digits: the edge of a smudge, no witness
    fillers = MrzReading(lines=list(mrz.lines), verified=True)
    doubt_where_cells_differ(fillers, TextRead(lines=["IDMEX7998474639<<068455237<6<8", mrz.lines[1], cells[2]],
                                               sure_cells=set(CHECKED_CELLS)))
    assert fillers.weak == set()
    beside = MrzReading(lines=list(mrz.lines), verified=True)
    doubt_where_cells_differ(beside, TextRead(lines=["IDMEX7998474639<<0684552376868", mrz.lines[1], cells[2]],
                                              sure_cells=set(CHECKED_CELLS)))
    assert "ocr" in beside.weak  # the same 6 among digits read alike is a witness
    agreeing = MrzReading(lines=list(cells[:1]) + ["8802048M2712310MEX<09<<70868<4", cells[2]], verified=True)
    doubt_where_cells_differ(agreeing, TextRead(lines=cells, sure_cells=set(CHECKED_CELLS)))
    assert agreeing.weak == set()
    doubt_where_cells_differ(agreeing, TextRead())  # no cell read: nothing to weigh
    assert agreeing.weak == set()


def test_a_view_of_line_one_sure_of_another_ocr_digit_leaves_the_ocr_weak():
    """Dev 5500010 (hard, an altered composite): the grid kept read the OCR's 9 as 0, unsure, and
    met the composite; other views of line 1, whose own lines did not verify, were sure of the 9."""
    from kiosk.credential.mrztext import doubt_where_line1_sure_otherwise

    lines = ["IDMEX6232753150<<3410651261624", "9806098M3012316MEX<03<<61624<3", "MUESTRA<MUESTRA<<ANA<<<<<<<<<<"]

    def view(line: str, sure: float) -> np.ndarray:
        """A grid's line 1 with two cells of the table before it, each cell `sure` of its character."""
        probs = np.full((len(line) + 2, len(ALPHABET)), (1 - sure) / (len(ALPHABET) - 1), np.float32)
        for i, ch in enumerate("<<" + line):
            probs[i, ALPHABET.index(ch)] = sure
        return probs

    printed = lines[0][:20] + "9" + lines[0][21:]
    mrz = MrzReading(lines=list(lines), verified=True)
    doubt_where_line1_sure_otherwise(mrz, [view(lines[0], 0.99), view(printed, 0.99)])
    assert mrz.weak == {"ocr", "emision"}  # the CIC keeps its own check digit, read alike
    unsure = MrzReading(lines=list(lines), verified=True)
    doubt_where_line1_sure_otherwise(unsure, [view(printed, 0.6)])
    assert unsure.weak == set()  # an unsure cell is no witness
    both = MrzReading(lines=list(lines), verified=True)
    doubt_where_line1_sure_otherwise(both, [view(printed, 0.99)], sure_cells={(0, 20)})
    assert both.weak == set()  # against a read sure of its own digit, one view sure of another is not enough
    garbled = MrzReading(lines=list(lines), verified=True)
    doubt_where_line1_sure_otherwise(garbled, [view(lines[0][:17] + "9999999" + lines[0][24:], 0.99)])
    assert garbled.weak == set()  # an OCR read mostly otherwise is a blur or a grid cut wrong
    alike = MrzReading(lines=list(lines), verified=True)
    doubt_where_line1_sure_otherwise(alike, [view(lines[0], 0.99), view(lines[0][:25], 0.99)])
    assert alike.weak == set()  # views that read it alike, or too short to hold line 1


def test_a_check_digit_the_cells_read_otherwise_leaves_the_fields_it_alone_covers_weak():
    """A card with an altered OCR: tesseract misread the composite as the digit that fits it."""
    from kiosk.credential.mrztext import CHECKED_CELLS, doubt_where_cells_differ

    lines = ["IDMEX7751284370<<8669019982289", "4704133H2912316MEX<08<<82289<2", "SANDOVAL<CARRILLO<<AURELIO<<<<"]
    cells = TextRead(lines=lines[:1] + ["4704133H2912316MEX<08<<82289<4", lines[2]], sure_cells=set(CHECKED_CELLS))
    mrz = MrzReading(lines=list(lines), verified=True)
    doubt_where_cells_differ(mrz, cells)
    assert mrz.weak == {"ocr", "emision"}  # the CIC, birth and expiry have their own check digits, read alike
    unsure = MrzReading(lines=list(lines), verified=True)
    doubt_where_cells_differ(unsure, TextRead(lines=cells.lines, sure_cells=set(CHECKED_CELLS) - {(1, 29)}))
    assert unsure.weak == set()  # a composite the classifier was unsure of is no witness
    own = MrzReading(lines=list(lines), verified=True)
    doubt_where_cells_differ(own, TextRead(lines=["IDMEX7751284378<<8669019982289"] + lines[1:], sure_cells=set(CHECKED_CELLS)))
    assert own.weak == {"cic"}


def test_an_ocr_the_cells_read_otherwise_takes_what_the_composite_covers_with_it():
    """Dev photo 1220023 (easy, its composite altered): tesseract misread an OCR 3 as the 2 that
    fits the altered composite, and the read verified; the cells read the 3, sure of it. The
    composite held over a misread: the OCR and the optional data (the emisión: only the composite
    covers it) are weak; the CIC and the dates, read alike by both with their own check digits,
    stand (as in the test above)."""
    from kiosk.credential.mrztext import CHECKED_CELLS, doubt_where_cells_differ

    read = ["IDMEX7644347089<<0965512895439", "9606243M3512311MEX<04<<95439<0", "CISNEROS<MEZA<<AURELIO<<<<<<<<"]
    cells = ["IDMEX7644347089<<0965513895439", read[1], "HCISNEROS<MEZA<<AURELIO<<<<<<<"]
    mrz = MrzReading(lines=list(read), verified=True)
    doubt_where_cells_differ(mrz, TextRead(lines=cells, sure_cells=set(CHECKED_CELLS)))
    assert mrz.weak == {"ocr", "emision"}
    same = MrzReading(lines=list(read), verified=True)
    doubt_where_cells_differ(same, TextRead(lines=list(read), sure_cells=set(CHECKED_CELLS)))
    assert same.weak == set()

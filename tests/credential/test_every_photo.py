"""Every photo gets an answer: verified CIC and OCR, or a Spanish warning that says what to do.
Photos from the independent evaluation generator (tests/fixtures/credential_eval), whose cards,
fonts, QR layouts and tables the reader was not built on; fixed development seeds (the bench
reports on other seeds)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from credential_eval.generator import scene  # noqa: E402

from kiosk.credential import read_image  # noqa: E402

ADVICE = {"no_card", "no_zone", "too_far", "glare", "blurry", "illegible", "photocopy", "screen"}
CASES = [(7000, "easy", "genuine"), (7001, "medium", "genuine"), (7002, "hard", "genuine"), (7003, "hard", "genuine"),
         (7004, "easy", "altered"), (7005, "medium", "altered"), (7006, "easy", "no_card"), (7007, "easy", "screen"),
         # a photocopy from the 604917 evaluation run: tesseract read line 2's optional data `<08<<67353<`
         # as `<035`, the composite over the re-fitted `<035<<<<<<<` held by chance, emisión 03 was verified
         (614929, "easy", "photocopy"),
         # an altered OCR: a later view misread the birth date so that its check digit and the
         # composite both held; refused now (an earlier view read another birth date, the QR another OCR)
         (710015, "medium", "altered"),
         # an altered OCR that a misread of the optional data cancelled in the composite (later view)
         (730015, "medium", "altered"),
         # from the 973319 evaluation run: the classifier read CIC 081786008 as 001766008, two
         # unsure cells whose errors cancel in the CIC check digit and the composite alike
         (973338, "hard", "genuine"),
         # from the 1301977 evaluation run: tesseract read birth 880204 as 330204, two 8-to-3 misreads
         # that cancel in the birth's check digit and in the composite; the cells read 88
         (1302020, "easy", "genuine"),
         # from the 1414141 evaluation run: an altered OCR whose composite tesseract misread as the
         # digit that fits it (4 read 2); the cells read the 4, sure of it. Again once the card's
         # outline was found (locate: a contour snapped onto the edges): the misread came from the
         # sharpened re-read on the card straightened, whose trial had not the cells' read to weigh
         (1424154, "medium", "altered"),
         # a dev photo: an altered composite; the MRZ found twice, its cells read right on one block
         # (composite fails) and tesseract misread an OCR 3 as the 2 that fits on the other
         (1220023, "easy", "altered"),
         # from the 3838383 evaluation run: an altered OCR; tesseract read the emisión's 0 as O,
         # worth 24 in the composite's sum, and the composite held (a letter in the optional data
         # is a digit misread: weighed as one, the composite fails)
         (3848392, "medium", "altered"),
         # a dev photo: an altered OCR; the cells misread line 2's first two digits, and a birth
         # date re-fitted by its check digit (tried, reverted) met the altered composite by chance
         (3396014, "hard", "altered"),
         # a dev photo: an altered OCR; glare washed out line 2's optional data, the classifier
         # read a faint 9 as 0 (its share among digits 0.99) and the composite held by chance
         (3420063, "medium", "altered"),
         # a dev photo: an altered composite; three tesseract views read the emisión's 0 as the 9
         # that fits it and the vote over the views verified; the cells read the 0, sure of it
         (4010087, "medium", "altered"),
         # a dev photo: an altered composite; the grid kept read the OCR's 9 as 0, unsure, which met
         # it; two other views of line 1 (their lines unverified) were sure of the 9
         (5500010, "hard", "altered"),
         # a dev photo: the birth date's check digit altered; a grid read 850302 as 860302 (the 6
         # at 0.75), which met it and the composite, after two grids of the block, line 2 a cell
         # off, had read the 5 at 1.0
         (5730062, "medium", "altered")]


# genuine cards here for their reading that the screening flags (one of the 3 of 150 genuine
# flagged on the 1301977 run: a card of grey stock, colour only in its title and signature; 2 % is within the 3 %)
FLAGGED_GENUINE = {1302020}


@pytest.fixture(scope="module")
def readings():
    """Read once (about two minutes): the tests using it share one xdist worker (their group)."""
    out = []
    for seed, difficulty, kind in CASES:
        image, truth = scene(seed, difficulty, kind)
        out.append((seed, kind, truth, read_image(image)))
    return out


@pytest.mark.xdist_group("every_photo_readings")
def test_fields_or_a_warning_that_says_what_to_do(readings):
    for seed, kind, _, reading in readings:
        verified = reading.fields["cic"].verified and reading.fields["ocr"].verified
        codes = {w.code for w in reading.warnings}
        assert verified or codes & ADVICE, (seed, kind, codes)
        for notice in reading.warnings:
            assert notice.message and notice.message[0].isupper() and notice.message.endswith(".")
    assert sum(r.fields["cic"].verified for s, k, t, r in readings if k == "genuine") >= 2


@pytest.mark.xdist_group("every_photo_readings")
def test_no_wrong_verified_field_even_on_altered_check_digits(readings):
    for seed, kind, truth, reading in readings:
        if kind == "no_card":
            assert not any(f.verified for f in reading.fields.values())
            continue
        for name in ("cic", "ocr", "emision", "expiry_year"):
            f = reading.fields[name]
            assert not f.verified or f.value == truth[{"expiry_year": "expiry_year"}.get(name, name)], (seed, name)
        if kind == "altered" and truth["altered"] in ("birth", "expiry"):
            # the MRZ does not verify; only what the QR and line 1 confirm may remain (an altered
            # composite leaves the birth its own check digit: read alike by tesseract and the
            # cells, it may stand, right, as test_mrz's doubt_where_cells_differ tests say)
            assert not reading.fields["birth_date"].verified, seed
        if kind == "altered" and truth["altered"] == "composite":
            assert not reading.fields["emision"].verified, seed  # only the composite covers it
        birth = reading.fields["birth_date"]
        assert not birth.verified or birth.value[2:].replace("-", "") == truth["birth"], (seed, "birth_date")


@pytest.mark.xdist_group("every_photo_readings")
def test_screen_flagged_with_confidence_and_genuine_not(readings):
    for seed, kind, _, reading in readings:
        if kind == "screen":
            assert "screen" in {w.code for w in reading.warnings} and reading.screening["screen"] > 0.5
        elif kind == "genuine" and seed not in FLAGGED_GENUINE:
            assert not {w.code for w in reading.warnings} & {"screen", "photocopy"}, seed
            assert reading.screening.get("screen", 0) < 0.5


def test_shared_sample_kinds_of_scene_are_read(tmp_path):
    """Scenes like the three the issue shows failing (wood table, receipts, card 55-90 % of the
    frame): the easy genuine photos of the generator read."""
    read = 0
    for seed in (7100, 7101, 7102):
        image, truth = scene(seed, "easy", "genuine")
        reading = read_image(image)
        read += reading.fields["cic"].value == truth["cic"] and reading.fields["ocr"].value == truth["ocr"]
    assert read >= 2


@pytest.mark.parametrize("seed, difficulty", [(1414142, "easy"), (1414165, "medium"), (1515154, "medium"), (3370051, "medium")])
def test_a_cell_read_gone_astray_does_not_undo_a_right_one(seed, difficulty):
    """From the 1414141 and 1515151 evaluation runs: tesseract read the MRZ right while the
    classifier's cells slipped by one or two along the digits, or read a confident 3 for a 9 beside
    a smudge they could not read; those cells are no witness against tesseract's digits. Dev
    3370051: a cell whose digit the classifier gave under 0.9, a letter taking the rest, is none
    either (mrztext.WITNESS_PROBABILITY)."""
    image, truth = scene(seed, difficulty, "genuine")
    reading = read_image(image)
    assert reading.fields["cic"].verified and reading.fields["cic"].value == truth["cic"]
    assert reading.fields["ocr"].verified and reading.fields["ocr"].value == truth["ocr"]


@pytest.mark.parametrize("seed", [800015, 800019])
def test_qr_confirmed_by_the_cells_when_line_one_check_digits_fail(seed):
    """Development photos whose MRZ misses a check digit (a blurred 6 read as C; a line end lost
    under glare) while the QR holds the digits: the classifier's cells of line 1 pick which QR
    digits are the CIC and the OCR (codes.qr_confirms_cells); before, neither was verified."""
    image, truth = scene(seed, "medium", "genuine")
    reading = read_image(image)
    for name in ("cic", "ocr"):
        f = reading.fields[name]
        assert f.verified and f.value == truth[name], (name, f)
    # the OCR has no check digit of its own: only the QR gives it on 800015 (the card read
    # straight (nineteenth session) gives a line 1 whose CIC meets its check digit and the QR's
    # CIC, so the CIC may come from the MRZ). On 800019 a level block's read verifies whole since
    # the twenty-ninth session: a grid that had doubted its OCR misread one glyph everywhere
    # (mrztext.doubt_where_another_meets_composite), and the OCR comes from the MRZ, as printed
    if seed == 800015:
        assert reading.fields["ocr"].source == "qr"


def test_shared_samples_of_another_generator_are_read():
    """The three photos another team's generator made, that the issue shows failing (no field
    and no warning on two of them): each gives its CIC and OCR verified and right."""
    import json

    import cv2

    folder = Path(__file__).resolve().parents[1] / "fixtures" / "credential_samples"
    for photo in sorted(folder.glob("sample_*.jpg")):
        truth = json.loads(photo.with_suffix(".json").read_text())
        reading = read_image(cv2.imread(str(photo)))
        for name in ("cic", "ocr"):
            assert reading.fields[name].verified and reading.fields[name].value == truth[name], (photo.name, name)


def _said_too_far(seed: int) -> None:
    """The hard dev photo `seed` is read as a back and answered "too far" and "illegible", not "no card"."""
    image, _ = scene(seed, "hard", "genuine")
    reading = read_image(image)
    codes = {w.code for w in reading.warnings}
    assert reading.sides[0].side == "back"
    assert "no_card" not in codes and {"too_far", "illegible"} <= codes, codes


def test_a_far_card_whose_mrz_only_the_cells_read_is_not_said_missing():
    """Dev seed 3940041 (hard, the card 30 % of the frame on a newspaper): no block read as MRZ
    text by tesseract and no outline taken, but the cell classifier read three lines starting
    like line 1, two characters off. The photo was answered "no se ve la credencial"; the
    operator has to bring the card closer."""
    _said_too_far(3940041)


def test_a_far_card_whose_line_one_tesseract_read_without_fillers_is_not_said_missing():
    """Dev seed 4430032 (hard, a small card on a newspaper): only tesseract read anything, line 1
    without its fillers ('TOMEX707146602', 'XOFOMEX70710007U2'); answered "no card" instead of
    "acerque la credencial". MEX followed by mostly digits is a back; a front's MÉXICO or an
    address's MEX 52140 is not."""
    from kiosk.credential.reader import _line1_like

    assert _line1_like("TOMEX707146602") and _line1_like("XOFOMEX70710007U2")
    assert not _line1_like("ESTADODEMEXICO") and not _line1_like("EDOMEX52140") and not _line1_like("MEXICOC1234567")
    _said_too_far(4430032)


def test_a_reflection_over_the_reading_zone_is_named_though_small_on_the_card():
    """Dev seed 4460015 (medium): a reflection washed out five OCR digits; blown-out pixels were
    1.6 % of the card, under the 4 % that names a reflection, and the photo was answered
    "illegible" with no advice. On the MRZ block they are 14 %: the operator is told to avoid it."""
    image, _ = scene(4460015, "medium", "genuine")
    reading = read_image(image)
    codes = {w.code for w in reading.warnings}
    assert {"glare", "illegible"} <= codes and not reading.fields["ocr"].verified, codes
    assert any("reflejo" in w.message for w in reading.warnings)


def test_a_date_two_misreads_met_is_doubted_where_another_view_read_it_otherwise():
    """Fresh seed 7383747 (a screen showing a card in the samples' style, easy): tesseract's one
    whole view of line 2 read birth 600111 as 690121, the 0 to 9 and the 1 to 2 both at weight 3
    in its check digit and 1 in the composite, so both held and a wrong birth date was verified;
    another view read 690111 (its check digit failing), the expiry alike. A date another view read
    otherwise, and no second view read so, is weak."""
    from credential_eval.lavender import scene as lavender_scene

    from kiosk.credential.mrz import MrzReading
    from kiosk.credential.reader import _dates_contradicted

    image, truth = lavender_scene(7383747, "easy", "screen")
    reading = read_image(image)
    birth = reading.fields["birth_date"]
    assert not birth.verified or birth.value[2:].replace("-", "") == truth["birth"]
    assert reading.fields["cic"].verified and reading.fields["cic"].value == truth["cic"]

    mrz = MrzReading(lines=["IDMEX8430315051<<5549916452909", "6901213H2712310MEX<07<<47116<0"], verified=True)
    other = ["IDMEX8430315051<<5549916452909", "6901113H2712310MEX<07<<471216<6"]
    assert _dates_contradicted(mrz, [mrz.lines, other]) == {"birth_date"}  # no second view read it so
    assert _dates_contradicted(mrz, [mrz.lines, mrz.lines, other, other, other]) == set()  # two views read it alike
    apart = ["", "6901113H2712320MEX<07<<47116<0"]  # the expiry read otherwise too: not the same line
    assert _dates_contradicted(mrz, [mrz.lines, apart]) == set()
    far = ["", "6801003H2712310MEX<07<<47116<0"]  # three digits off: another line, not a misread
    assert _dates_contradicted(mrz, [mrz.lines, far]) == set()
    expiry = ["", "6901213H2712810MEX<07<<47116<0"]
    assert _dates_contradicted(mrz, [expiry]) == {"expiry_year"}


def test_a_date_cell_an_earlier_grid_was_sure_of_otherwise_is_doubted():
    """The rule behind dev 5730062 (in CASES), on hand-made lines: a verified read's date cell
    the classifier was unsure of, which an earlier grid of the block (one that did not verify)
    was sure of as another digit, found by the characters around it, makes that date weak."""
    from kiosk.credential.mrz import MrzReading
    from kiosk.credential.mrztext import TextRead, doubt_dates_seen_otherwise

    def kept(sure=frozenset()):
        mrz = MrzReading(lines=["IDMEX3730343803<<1382583783053", "8603027M2612317MEX<06<<83053<7"], verified=True)
        return TextRead(lines=mrz.lines, mrz=mrz, sure_cells=set(sure))

    slipped = "?850302?M2612317MEX<06<<83053<7"  # line 2 a cell off, the 5 sure
    text = kept()
    doubt_dates_seen_otherwise(text, [slipped])
    assert text.mrz.weak == {"birth_date"}
    text = kept({(1, 1)})  # the kept read sure of its 6: a grid's other digit does not undo it
    doubt_dates_seen_otherwise(text, [slipped])
    assert not text.mrz.weak
    text = kept()
    doubt_dates_seen_otherwise(text, ["?8?0302?M2612317MEX<06<<83053<7"])  # the earlier grid unsure there too
    assert not text.mrz.weak
    text = kept()
    doubt_dates_seen_otherwise(text, ["8603027M2612317MEX<06<<83053<7"])  # read alike
    assert not text.mrz.weak


def test_a_date_read_shifted_that_met_its_altered_check_digit_is_not_verified():
    """Dev seed 5740149 (lavender, medium, the birth date's check digit altered): one view of
    tesseract read 8710026M as 87106026M; the decoder took 710602 with the check digit 6, which
    met it and the composite by chance, and the birth date was verified wrong (1971-06-02 for
    1987-10-02). Every other view read 8710026: now a date that one line alone holds, among
    several that read line 2, is weak."""
    from credential_eval.lavender import scene as lavender_scene

    image, truth = lavender_scene(5740149, "medium", "altered")
    assert truth["altered"] == "birth"
    reading = read_image(image)
    assert not reading.fields["birth_date"].verified
    assert reading.fields["cic"].verified and reading.fields["cic"].value == truth["cic"]  # the rest stands


def test_a_date_one_line_alone_holds():
    from kiosk.credential.mrz import MrzReading
    from kiosk.credential.mrztext import doubt_where_date_unseen

    kept = ["IDMEX0266323590<<1237841584381", "7106026<2612317MEX<01<<16357<4", "ESPINOZA<VILLANUEVA<<LUIS<ANGE"]
    source = ["87106026M2612317MEX<01<<16357<4"]
    others = [["8710026M2612317MEX<01<<16357<4"], ["8716626M2612317MEX<61<<16357<4"], ["8710026M2612317MEX<01<<16357<?"]]

    def weak(views):
        mrz = MrzReading(lines=list(kept), verified=True)
        doubt_where_date_unseen(mrz, views)
        return mrz.weak

    assert weak([source] + others) == {"birth_date"}  # the expiry, read alike by all, stands
    assert weak([source] + others[:1]) == set()  # too few lines read line 2 to say
    assert weak([source, ["7106026M2612317MEX<01<<16357<4"]] + others) == set()  # a second view holds it
    assert weak([source, ["7106028M2612317MEX<01<<16357<4"]] + others) == set()  # one character off
    assert weak([source, source] + others) == {"birth_date"}  # the same view twice is one
    assert weak([source, ["IDMEX0266323590<<1237841584381"], ["IDMEX0266323590<1237841584381"]]) == set()  # line 1 is no line 2


@pytest.mark.parametrize("design, seed, difficulty", [("lavender", 5730079, "medium"), ("own", 5730038, "hard"),
                                                      ("own", 5730067, "hard")])
def test_an_altered_ocr_digit_tesseract_read_among_its_neighbours_is_a_conflict(design, seed, difficulty):
    """One OCR digit printed otherwise than the QR's, the QR's OCR verified with no word of the
    print. 5730079 (lavender, medium): grids sure of the printed 3, seven tesseract views reading
    it among its neighbours but none the line's last digit right, so none the printed OCR whole.
    5730067 (own, hard): the printed 6 next to the last digit, a 9 every tesseract view read 5.
    5730038 (own, hard): the printed 0 for the QR's 7, which six views of line 1 split between 0
    and O (0.54-0.70 to the 0): no grid was sure of a digit there. Two distinct tesseract views
    reading the digit with its neighbours (one of them misread) now witness it, and a cell's O
    counts as its 0 where only a digit is printed."""
    from credential_eval.lavender import scene as lavender_scene

    image, truth = (lavender_scene if design == "lavender" else scene)(seed, difficulty, "altered")
    assert truth["altered"] == "ocr"
    reading = read_image(image)
    assert not reading.fields["ocr"].verified
    assert "conflict" in {e.code for e in reading.errors}


@pytest.mark.parametrize("design, seed", [("own", 5740030), ("lavender", 5740075), ("lavender", 5750012),
                                          ("own", 5790006), ("own", 5790019)])
def test_an_altered_ocr_digit_tesseract_reads_otherwise_than_the_qr_is_a_conflict(design, seed):
    """One OCR digit printed otherwise than the QR's (medium photos), the QR's OCR verified with no
    word of the print. 5740030 (own): two grids sure of the printed last 1; of six tesseract views
    reading its neighbours, one read the 1, four a 2, one a 0, none the QR's 3. 5740075
    (lavender): a misread CIC met its check digit and the QR refused it, so no grid's line 1 was
    placed after a verified CIC, though both grids read the QR's CIC there and were sure of the
    printed 6 that sixteen tesseract views read whole. 5750012 (lavender): grids sure of the
    printed 9; every tesseract view read 4931197, the 9 last, and garbled what follows, so the
    seven characters centred on it were read by none. 5790006 (own): four grids sure of the
    printed 8; two views read 8246323 after it. 5790019 (own): every grid slipped a cell, none in
    place; twenty tesseract views read the printed OCR whole, its last 9 where the QR holds a 1."""
    from credential_eval.lavender import scene as lavender_scene

    image, truth = (lavender_scene if design == "lavender" else scene)(seed, "medium", "altered")
    assert truth["altered"] == "ocr"
    reading = read_image(image)
    assert not reading.fields["ocr"].verified
    assert "ocr" in reading.conflicts


def test_a_genuine_ocr_digit_tesseract_misreads_alike_is_no_conflict_where_a_grid_in_place_was_sure_of_it():
    """Dev seed 5962817 (lavender, medium, genuine): four tesseract views read the OCR's 4 as 1,
    none read the 4, and the card's OCR (the QR's, documented layout) was refused as printed
    otherwise; the grid whose CIC was the verified one read every OCR cell in place, sure, the 4
    too. The tests above keep the conflicts where the grids are sure of the printed digit."""
    from credential_eval.lavender import scene as lavender_scene

    image, truth = lavender_scene(5962817, "medium", "genuine")
    reading = read_image(image)
    assert not reading.conflicts
    for name in ("cic", "ocr"):
        assert reading.fields[name].verified and reading.fields[name].value == truth[name], name


def test_a_digit_tesseract_never_reads_as_the_value_has_it():
    from kiosk.credential.reader import DENYING_VIEWS, SideReading, _tesseract_never_read

    value = "1548380238693"
    lines = ["5LOMEX3318105521<1555530238692", "SURYOMEX3315105521<<12830238692", "TOMEX3315105521<<1538380238690"]
    side = SideReading(views=[[line] for line in lines[:DENYING_VIEWS - 1]])
    assert not _tesseract_never_read(side, value, 12)  # too few views
    side.views.append([lines[2]])
    assert _tesseract_never_read(side, value, 12)
    side.views.append(["IDMEX3315105521<<1548380238693"])  # one view read the value's 3
    assert not _tesseract_never_read(side, value, 12)
    side = SideReading(views=[[line.replace("0238", "9999")] for line in lines])  # the neighbours unread
    assert not _tesseract_never_read(side, value, 12)


def test_a_print_tesseract_read_beside_the_digit():
    from kiosk.credential.reader import SideReading, _tesseract_read_beside

    printed = "4931197830632"
    side = SideReading(views=[["IDMEX8567503736<<4931197"]])
    assert not _tesseract_read_beside(side, printed, 5)  # one line: not enough
    side.views.append(["1DMEX8567503736<<49311978S"])
    assert _tesseract_read_beside(side, printed, 5)
    side = SideReading(views=[["IDMEX8567503736<<4931187"], ["1DMEX8567503736<<49311878S"]])
    assert not _tesseract_read_beside(side, printed, 5)  # a neighbour read otherwise
    side = SideReading(views=[["IDMEX8567503736<<4931167"], ["1DMEX8567503736<<49311678S"]])
    assert not _tesseract_read_beside(side, printed, 5)  # the QR's digit read there, not the print
    side = SideReading(views=[["<<4931197"], ["<<4931197"]])
    assert not _tesseract_read_beside(side, printed, 5)  # one line read twice


def test_a_print_tesseract_read_whole_otherwise():
    from kiosk.credential.reader import WHOLE_VIEWS, SideReading, _tesseract_read_whole_otherwise

    printed, value = "3742195263579", "3742195263571"
    lines = ["DMEX4697590075<<3742195263579", "EDMEX4697590075<<3742195263579SS", "TTLOMEX4697590075<<3742195263579"]
    side = SideReading(views=[[line] for line in lines[:WHOLE_VIEWS - 1]])
    assert _tesseract_read_whole_otherwise(side, value) is None  # too few lines
    side.views.append([lines[WHOLE_VIEWS - 1]])
    assert _tesseract_read_whole_otherwise(side, value) == printed
    side.views.append([lines[0]])  # the same line again: still the same lines
    assert _tesseract_read_whole_otherwise(side, value) == printed
    side.views.append(["IDMEX4697590075<<3742195263571"])  # one line read the QR's value
    assert _tesseract_read_whole_otherwise(side, value) is None
    side = SideReading(views=[[line] for line in lines] + [[line.replace("579", "578")] for line in lines])
    assert _tesseract_read_whole_otherwise(side, value) is None  # two prints, each read whole: a misread


def test_a_print_witnessed_by_tesseract_among_its_neighbours():
    from kiosk.credential.reader import SideReading, _tesseract_read

    printed = "8610876438879"
    side = SideReading(views=[["IDMEX3766263564<<8610876438875"]])
    assert not _tesseract_read(side, printed, 8)  # one view: not enough
    side.views.append(["1DHEX3766263564<<861087643887"])
    assert _tesseract_read(side, printed, 8)
    assert not _tesseract_read(side, printed)  # the whole value, read by none
    assert not _tesseract_read(side, "8610876418876", 12)  # the last digit: its 7 characters are 6418876, read by none
    side = SideReading(views=[["IDMEX3766263564<<8610876488875"], ["IDMEX3766263564<<8610876488879"]])
    assert not _tesseract_read(side, printed, 8)  # the digit itself read otherwise
    side = SideReading(views=[["IDMEX3766263564<<8610876431175"], ["IDMEX3766263564<<8610876431179"]])
    assert not _tesseract_read(side, printed, 8)  # two of its neighbours read otherwise


def test_a_round_glyph_split_between_o_and_zero_is_a_sure_zero_where_a_digit_is_printed():
    import numpy as np

    from kiosk.credential.codes import printed_otherwise
    from kiosk.credential.ocrb import ALPHABET

    cic, ocr = "216292281", "5757384864064"
    line = "IDMEX" + cic + "5<<" + "5057384864064"
    probs = np.zeros((len(line), len(ALPHABET)), np.float32)
    for i, ch in enumerate(line):
        probs[i, ALPHABET.index(ch)] = 1.0
    probs[18, ALPHABET.index("0")], probs[18, ALPHABET.index("O")] = 0.55, 0.45
    assert printed_otherwise(probs, cic, ocr) == {18: "0"}
    probs[18, ALPHABET.index("0")], probs[18, ALPHABET.index("O")], probs[18, ALPHABET.index("8")] = 0.45, 0.15, 0.4
    assert printed_otherwise(probs, cic, ocr) == {}  # a round glyph that may be an 8: not sure

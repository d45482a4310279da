"""The TD1 MRZ of the Credencial para Votar: layout, check digits and confusable resolution.

Each cell arrives with a score per character; the field type narrows the choices (digits vs
letters), and the four ICAO check digits choose among close candidates or refuse the read.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from kiosk.credential.ocrb import ALPHABET, DIGITS, LETTERS, LineRead
from kiosk.identifiers import icao_check_digit

WIDTH = 30
AMBIGUOUS = 0.08  # a runner-up scoring within this of the best is tried too
FLOOR = 0.30  # below this a cell is unreadable
UNRELIABLE = 0.6  # a cell under this share of its line's median score keeps three candidates
MAX_COMBINATIONS = 4096  # more candidate combinations than this in one span: refuse
MAX_SOLUTIONS = 4096  # more combinations than this satisfy every check digit: refuse
COST_GAP = 0.05  # the best solution must beat every rival by this much score
SEX = frozenset("HM")
FILLER = frozenset("<")
NAME_CHARS = LETTERS | FILLER
OPTIONAL_CHARS = DIGITS | FILLER

# Allowed characters per position of each line (DESIGN.md, "Reading the Credencial para Votar").
LINE1 = [LETTERS] * 5 + [DIGITS] * 10 + [FILLER] * 2 + [OPTIONAL_CHARS] * 13
LINE2 = [DIGITS] * 7 + [SEX] + [DIGITS] * 7 + [LETTERS] * 3 + [OPTIONAL_CHARS] * 11 + [DIGITS]
LINE3 = [NAME_CHARS] * 30


def composite_data(line1: str, line2: str) -> str:
    """What the composite check digit covers, exactly as ICAO TD1."""
    return line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]


@dataclass
class MrzReading:
    """What the MRZ gave: raw best lines, verified values, and why anything was refused."""

    lines: list[str]
    values: dict[str, object] = field(default_factory=dict)
    verified: bool = False
    corrected: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    name_truncated: bool = False
    confidence: float = 0.0
    changed_cells: int = 0  # cells where the check digits chose another character than the best-scoring one
    # fields whose only check is a composite computed over characters not all seen (line 2's optional
    # data re-fitted to length): it holds by chance 1 in 10, so another source must confirm them
    weak: set[str] = field(default_factory=set)


def _options(read: LineRead, i: int, allowed: frozenset[str], hint: str | None) -> list[str]:
    """Candidates for one cell: the best allowed character, plus close runners-up.

    A runner-up within AMBIGUOUS of the best joins; a cell far below its line's median keeps
    its top three (it may be damaged). Another engine's character joins too.
    """
    ranked = read.ranked(i, allowed)
    if not ranked or ranked[0][1] < FLOOR:
        return []
    best = ranked[0][1]
    median = float(np.median(read.scores.max(axis=1)))
    if best < UNRELIABLE * median:
        out = [ch for ch, sc in ranked[:3] if sc >= FLOOR]
    else:
        out = [ch for ch, sc in ranked[:2] if sc >= best - AMBIGUOUS]
    if hint and hint in allowed and hint not in out:
        out.append(hint)
    return out


def _expand(options: list[list[str]], valid) -> list[str] | None:
    """Every string built from the options that `valid` accepts; None if there are too many to try."""
    total = 1
    for o in options:
        total *= max(1, len(o))
    if total > MAX_COMBINATIONS or any(not o for o in options):
        return None if total > MAX_COMBINATIONS else []
    return ["".join(combo) for combo in itertools.product(*options) if valid("".join(combo))]


def _cost(solution: tuple[str, str, str, str], reads: list[LineRead]) -> float:
    """Score given up, over all cells, by choosing this solution's characters over the best ones."""
    cic, birth, expiry, tail = solution
    cells = [(0, 5 + i, ch) for i, ch in enumerate(cic)] + [(1, i, ch) for i, ch in enumerate(birth)]
    cells += [(1, 8 + i, ch) for i, ch in enumerate(expiry)] + [(0, 17 + i, ch) for i, ch in enumerate(tail[:13])]
    cells += [(1, 18 + i, ch) for i, ch in enumerate(tail[13:])]
    total = 0.0
    for line, i, ch in cells:
        row = reads[line].scores[i]
        total += float(row.max() - row[ALPHABET.index(ch)])
    return total


def _choose(solutions: list[tuple[str, str, str, str]], reads: list[LineRead]) -> tuple[str, str, str, str] | None:
    """The one solution, or the cheapest when every rival costs COST_GAP more; else None."""
    if not solutions or len(solutions) > MAX_SOLUTIONS:
        return None
    if len(solutions) == 1:
        return solutions[0]
    costs = sorted((_cost(sol, reads), sol) for sol in solutions)
    if costs[1][0] - costs[0][0] >= COST_GAP:
        return costs[0][1]
    return None


def _date_ok(yymmdd: str) -> bool:
    try:
        date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        return False
    return True


def birth_date(yymmdd: str, today: date | None = None) -> date:
    """YYMMDD to a date in the past (ICAO gives no century)."""
    today = today or date.today()
    yy = int(yymmdd[:2])
    year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    return date(year, int(yymmdd[2:4]), int(yymmdd[4:6]))


def split_name(line3: str) -> tuple[str, str, str, bool]:
    """(paterno, materno, nombres, truncated) from `PATERNO<MATERNO<<NOMBRES<<<`."""
    truncated = not line3.endswith("<")
    surnames, _, given = line3.partition("<<")
    parts = surnames.split("<")
    paterno = parts[0]
    materno = " ".join(p for p in parts[1:] if p)
    nombres = " ".join(p for p in given.split("<") if p)
    return paterno, materno, nombres, truncated


def decode_td1(reads: list[LineRead], hints: list[str] | None = None) -> MrzReading:
    """Resolve three scored lines into verified fields, or say why not.

    Every combination of close candidates is tried; the read is verified only when exactly one
    combination satisfies the CIC, birth and expiry check digits and the composite. `hints` are
    whole-line reads from another engine (tesseract) whose characters join the candidates.
    """
    hints = hints or ["", "", ""]
    opts = []
    for read, layout, hint in zip(reads, (LINE1, LINE2, LINE3), hints):
        opts.append([_options(read, i, allowed, hint[i] if len(hint) == WIDTH else None)
                     for i, allowed in enumerate(layout)])
    best = ["".join(o[0] if o else "?" for o in line) for line in opts]
    result = MrzReading(lines=best)
    result.confidence = float(min(r.scores.max(axis=1).min() for r in reads))
    top3 = [[ch for ch, _ in reads[0].ranked(i, LETTERS)[:3]] for i in range(5)]
    if sum(ch in cands for ch, cands in zip("IDMEX", top3)) < 4:
        result.problems.append("mrz_no_ine")
        return result
    l1, l2 = opts[0], opts[1]

    def check_ok(s: str) -> bool:
        return icao_check_digit(s[:-1]) == s[-1]

    spans = {
        "cic": _expand(l1[5:15], check_ok),
        "birth": _expand(l2[0:7], lambda s: check_ok(s) and _date_ok(s[:6])),
        "expiry": _expand(l2[8:15], lambda s: check_ok(s) and s[2:6] == "1231"),
        "tail": _expand(l1[17:30] + l2[18:30], lambda s: s[:13].isdigit() and s[24].isdigit()),
    }
    for name in ("cic", "birth", "expiry"):
        if not spans[name]:
            result.problems.append(f"mrz_check_{name}")
    if result.problems or not spans["tail"]:
        if not result.problems:
            result.problems.append("mrz_check_composite")
        return result
    solutions = []
    for cic, birth, expiry, tail in itertools.product(spans["cic"], spans["birth"], spans["expiry"], spans["tail"]):
        line1 = "IDMEX" + cic + "<<" + tail[:13]
        line2 = birth + "H" + expiry + "MEX" + tail[13:24] + tail[24]
        if icao_check_digit(composite_data(line1, line2)) == tail[24]:
            solutions.append((cic, birth, expiry, tail))
            if len(solutions) > MAX_SOLUTIONS:
                break
    chosen = _choose(solutions, reads)
    if chosen is None:
        result.problems.append("mrz_check_composite")
        return result
    solutions = [chosen]
    cic, birth, expiry, tail = solutions[0]
    firsts = ("".join(o[0] for o in l1[5:15]), "".join(o[0] for o in l2[0:7]), "".join(o[0] for o in l2[8:15]))
    result.corrected = [n for n, got, first in zip(("cic", "birth", "expiry"), (cic, birth, expiry), firsts) if got != first]
    if tail != "".join(o[0] for o in l1[17:30] + l2[18:30]):
        result.corrected.append("composite")
    chosen_cells = [(0, 5 + i, ch) for i, ch in enumerate(cic)] + [(1, i, ch) for i, ch in enumerate(birth)]
    chosen_cells += [(1, 8 + i, ch) for i, ch in enumerate(expiry)] + [(0, 17 + i, ch) for i, ch in enumerate(tail[:13])]
    chosen_cells += [(1, 18 + i, ch) for i, ch in enumerate(tail[13:])]
    result.changed_cells = sum(ch != opts[line][i][0] for line, i, ch in chosen_cells)
    result.verified = True
    sex_opts = [ch for ch in l2[7] if ch in SEX]
    paterno, materno, nombres, truncated = split_name(best[2])
    optional = tail[13:24]
    emision = optional.strip("<")[:2] if optional.strip("<")[:2].isdigit() else None
    result.values = {
        "cic": cic[:9],
        "ocr": tail[:13],
        "birth_date": birth_date(birth[:6]).isoformat(),
        "expiry_year": 2000 + int(expiry[:2]),
        "emision": emision,
        "sex": sex_opts[0] if len(sex_opts) == 1 else None,
        "apellido_paterno": paterno,
        "apellido_materno": materno,
        "nombres": nombres,
    }
    result.name_truncated = truncated
    result.lines = ["IDMEX" + cic + "<<" + tail[:13],
                    birth + (sex_opts[0] if len(sex_opts) == 1 else "?") + expiry + "MEX" + optional + tail[24],
                    best[2]]
    return result


__all__ = ["MrzReading", "decode_td1", "composite_data", "split_name", "birth_date"]

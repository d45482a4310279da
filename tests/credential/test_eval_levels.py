"""The evaluation generator's levels: blur_or_small is the issue's hard set as the issue describes
it (strong blur OR a card a third of the frame), each photo one or the other."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from credential_eval.generator import DIFFICULTY, scene  # noqa: E402


def _card_share(truth: dict) -> float:
    quad = np.array(truth["card_quad"])
    return float(np.linalg.norm(quad[1] - quad[0])) / truth["frame"][0]


def test_blur_or_small_is_one_or_the_other():
    cases = {}
    for seed in range(20):
        _, truth = scene(880000 + seed, "blur_or_small")
        cases.setdefault(truth["case"], []).append(_card_share(truth))
    assert set(cases) == {"strong_blur", "small_card"}
    # the top edge's length: the card's width give or take the perspective (9 % a corner)
    assert all(0.25 <= share <= 0.80 for share in cases["strong_blur"])
    assert all(0.20 <= share <= 0.47 for share in cases["small_card"])
    assert np.mean(cases["strong_blur"]) > np.mean(cases["small_card"])
    blur, small = DIFFICULTY["blur_or_small"]["either"]
    assert blur["blur"][0] >= DIFFICULTY["medium"]["blur"][0] + 0.5  # strong: the top of hard's range
    assert small["width"][1] <= 0.40


def test_the_other_levels_say_no_case():
    _, truth = scene(880000, "hard")
    assert truth["case"] is None

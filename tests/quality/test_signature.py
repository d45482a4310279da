"""The signature gate on seeded synthetic trajectories: real signatures pass, each symbol names itself."""

from __future__ import annotations

import json
import math

import pytest
from make_signatures import PAD_H, PAD_W, build_signature_fixtures, invalid_inputs, shape, signature

from kiosk.quality import TrajectoryError, check_signature, parse_trajectory
from kiosk.quality.messages import MESSAGES

NAMES = [f.name for f in build_signature_fixtures()]


@pytest.mark.parametrize("name", NAMES)
def test_verdict_and_reason(name: str, signature_fixtures: dict) -> None:
    expected = signature_fixtures[name]
    verdict = check_signature(expected.trajectory)
    assert verdict.verdict == expected.verdict, (name, verdict.codes, verdict.scores)
    if expected.code is None:
        assert verdict.codes == ()
    else:
        assert verdict.codes == (expected.code,)
        assert verdict.reasons == [MESSAGES[expected.code]["es"]]


@pytest.mark.parametrize("kind", ["dot", "line", "cross", "x", "check", "circle"])
def test_symbols_stay_rejected_across_seeds(kind: str) -> None:
    for seed in range(40):
        assert not check_signature(shape(10_000 + seed, kind)).accepted, (kind, seed)


def test_signatures_from_the_pad_simulator_pass() -> None:
    """An independent generator (the pad helper's) must not be refused: guards against fitting our own."""
    from drivers.pad.synthetic import synthetic_signature

    refused = [s for s in range(25) if not check_signature(synthetic_signature(s)).accepted]
    assert refused == []


def test_scale_does_not_change_the_verdict() -> None:
    sig = signature(3, "Rosa Muestra Díaz", "cursive")
    big = {"width": PAD_W * 3, "height": PAD_H * 3,
           "points": [[t, x * 3, y * 3, p, d] for t, x, y, p, d in sig["points"]]}
    assert check_signature(sig).accepted and check_signature(big).accepted
    line = shape(5, "line")
    big_line = {"width": PAD_W * 3, "height": PAD_H * 3,
                "points": [[t, x * 3, y * 3, p, d] for t, x, y, p, d in line["points"]]}
    assert check_signature(big_line).codes == ("signature_line",)


def test_generator_is_deterministic() -> None:
    assert json.dumps(signature(11, "Hugo Esbozo", "printed")) == json.dumps(signature(11, "Hugo Esbozo", "printed"))
    assert json.dumps(shape(4, "x")) == json.dumps(shape(4, "x"))


@pytest.mark.parametrize("name", sorted(invalid_inputs()))
def test_invalid_input_raises_clear_error(name: str) -> None:
    raw = invalid_inputs()[name]
    with pytest.raises(TrajectoryError) as err:
        check_signature(raw)  # type: ignore[arg-type]
    message = str(err.value)
    assert message.startswith("La firma recibida del panel no es válida (")
    assert "\n" not in message


def test_error_names_the_bad_point() -> None:
    raw = invalid_inputs()["nan"]
    with pytest.raises(TrajectoryError, match="punto 5 .*NaN"):
        parse_trajectory(raw)
    with pytest.raises(TrajectoryError, match="punto 3 .*fuera del panel"):
        parse_trajectory(invalid_inputs()["out_of_range"])


def test_scores_are_finite_floats(signature_fixtures: dict) -> None:
    scores = check_signature(signature_fixtures["sig_00_cursive"].trajectory).scores
    assert {"strokes", "turns", "path_over_diagonal", "pen_down_ms", "ink_width"} <= set(scores)
    assert all(isinstance(v, float) and math.isfinite(v) for v in scores.values())


def test_accepted_signature_renders_for_mesa_de_control(signature_fixtures: dict) -> None:
    from drivers.pad.render import render_png

    png = render_png(signature_fixtures["sig_01_underlined"].trajectory, max_bytes=8192)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) <= 8192


@pytest.mark.parametrize("style", ["flourish", "printed_underlined", "cursive", "underlined"])
def test_real_signatures_pass_across_seeds(style: str) -> None:
    """A long cursive flourish, and printed letters over a straight underline, are signatures."""
    refused = [(s, check_signature(signature(30_000 + s, "Marta Ejemplo Ruiz", style)).codes) for s in range(20)]
    assert [r for r in refused if r[1]] == []


def test_small_signatures_are_asked_to_be_bigger() -> None:
    """Ink spanning less than 15 % of the pad: the person is told to use the whole box (seed 001 §5.12)."""
    for seed in range(20):
        verdict = check_signature(shape(40_000 + seed, "tiny"))
        assert verdict.codes == ("signature_tiny",), (seed, verdict.scores)
        assert verdict.scores["ink_span"] < 0.15
        assert verdict.reasons == ["Firme más grande, use todo el recuadro."]


def test_a_long_flat_wavy_flourish_is_a_signature() -> None:
    """One pen-down rippling along most of the pad (the old gate called it 'sólo una línea')."""
    import numpy as np
    from make_signatures import _pad, _to_points

    for seed in range(10):
        rng = np.random.default_rng(50_000 + seed)
        t = np.linspace(0, 1, 400)
        periods = int(rng.integers(8, 14))
        x = 100 + 600 * t
        y = 150 + rng.uniform(0.08, 0.2) * 600 / periods * np.sin(2 * np.pi * periods * t)
        traj = _pad(_to_points(rng, [np.stack([x, y], 1)], ms_per_unit=3.0))
        assert check_signature(traj).accepted, (seed, check_signature(traj).codes)

"""Copy the main screens' snapshot SVGs (tests/tui/__snapshots__, 100×30) to docs/pantallas/
for the README's «Cómo se usa». Run after `pytest tests/tui/test_snapshots.py --snapshot-update`:

    .venv/bin/python -m tests.tui.readme_screens
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests/tui/__snapshots__/test_snapshots"
SCREENS = {
    "inicio": "test_screen_snapshot[inicio_operator-100x30].svg",
    "captura_modelo": "test_screen_snapshot[capture_models-100x30].svg",
    "captura_original": "test_screen_snapshot[capture_original-100x30].svg",
    "cedulas_renglon": "test_screen_snapshot[cedulas_row-100x30].svg",
    "envio": "test_screen_snapshot[envio_uploading-100x30].svg",
    "salir": "test_screen_snapshot[quit_question-100x30].svg",
}


def main() -> None:
    out = ROOT / "docs/pantallas"
    out.mkdir(parents=True, exist_ok=True)
    for name, snapshot in SCREENS.items():
        shutil.copyfile(SNAPSHOTS / snapshot, out / f"{name}.svg")
        print(out / f"{name}.svg")


if __name__ == "__main__":
    main()

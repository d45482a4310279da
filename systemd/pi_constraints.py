"""Write the Pi's constraints from constraints.txt (`make lock`): the same pins, except numpy
and OpenCV. The venv shares apt's camera stack (python3-picamera2, python3-simplejpeg, ...),
which Debian builds against its numpy 1.x; a numpy 2 in the venv makes `import picamera2` fail
with "numpy.dtype size changed", and opencv-python-headless 4.12 and later need numpy 2."""

from __future__ import annotations

import sys

PI_PINS = {"numpy": "numpy==1.26.4", "opencv-python-headless": "opencv-python-headless==4.11.0.86"}
HEADER = """# pip constraints for the venv on a Raspberry Pi (install.sh --pi yes); written by `make lock`
# from constraints.txt by systemd/pi_constraints.py: the same pins, numpy<2 and its OpenCV
# (apt's python3-picamera2 is built against numpy 1.x; opencv-python-headless>=4.12 needs numpy 2).
"""


def main(path: str) -> None:
    out = [HEADER.rstrip("\n")]
    for line in open(path, encoding="utf-8").read().splitlines():
        name = line.split("==")[0].strip().lower()
        out.append(PI_PINS.get(name, line))
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])

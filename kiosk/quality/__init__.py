"""Capture quality gates: the live photo and the handwritten signature, checked before saving.

The capture flow calls `check_photo`, `crop_and_compress` and `check_signature`; each rejection names its reason.
"""

from kiosk.quality.photo import check_photo
from kiosk.quality.signature import check_signature
from kiosk.quality.store import PhotoStoreError, crop_and_compress
from kiosk.quality.trajectory import Trajectory, TrajectoryError, load_trajectory, parse_trajectory
from kiosk.quality.verdict import ACCEPT, REJECT, Verdict

__all__ = ["ACCEPT", "REJECT", "PhotoStoreError", "Trajectory", "TrajectoryError", "Verdict", "check_photo",
           "check_signature", "crop_and_compress", "load_trajectory", "parse_trajectory"]

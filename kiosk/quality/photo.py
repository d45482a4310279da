"""Live-photo gate: is this one person's uncovered, frontal, sharp, well-lit face taken directly?

`check_photo(image_bgr) -> Verdict`; every check adds a score and, when it fails, a reason code.
"""

from __future__ import annotations

import logging
import math

import cv2
import numpy as np

from kiosk.quality import detector as det
from kiosk.quality.detector import Box
from kiosk.quality.frames import ID1_ASPECT, enclosing_quad, quad_aspect
from kiosk.quality.search import find_hard_face
from kiosk.quality.verdict import Verdict

log = logging.getLogger(__name__)

MIN_FACE_RATIO = 0.12        # face width over image width
MIN_FACE_PX = 60             # face width in pixels of the original image
MIN_SHARPNESS = 25.0         # variance of the Laplacian over the variance of the face (×1000), at 128×128
DARK_FACE = 60.0             # 95th percentile of face luminance below this is too dark: judged on the
                             # highlights (eyes, teeth, skin sheen) so a darker skin in good light passes
BRIGHT_FACE = 200.0          # ... above this is burnt
DARK_IMAGE = 70.0            # the same for a whole picture where no face was found
BRIGHT_IMAGE = 215.0
CLIPPED_FACE = 0.25          # share of face pixels at 250+ that is burnt
MAX_ROLL_DEG = 18.0          # eye line off horizontal
MAX_YAW_OFFSET = 0.14        # eye midpoint off the face centre, in face widths
MIN_MOUTH_SKIN = 0.35        # share of nose-and-mouth pixels with the forehead's skin colour
SECOND_FACE_SIZE = 0.45      # a second face this large (relative to the first) counts as a person


def check_photo(image_bgr: np.ndarray) -> Verdict:
    """Judge one live photo (BGR uint8, as OpenCV reads it)."""
    _require_image(image_bgr)
    codes: list[str] = []
    scores: dict[str, float] = {}
    gray, back = det.work_gray(image_bgr)
    faces = det.frontal_faces(gray)
    if faces:
        faces = [f for f in faces if f[2] >= SECOND_FACE_SIZE * faces[0][2]]
    scores["faces"] = float(len(faces))
    face, known_eyes = (faces[0], None) if faces else find_hard_face(image_bgr, gray, codes, scores)
    if face is None:
        _exposure(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY), codes, scores, whole_image=True)
        if not {"rotated", "not_frontal"} & set(codes):
            codes.append("no_face")
        return _done(codes, scores)
    if len(faces) > 1:
        codes.append("multiple_faces")
    _geometry(face, gray.shape, codes, scores)
    original_face = det.scale_box(face, back)
    scores["face_width_px"] = float(original_face[2])
    face_gray = _crop(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY), original_face)
    blurry = _sharpness(face_gray, codes, scores)
    _exposure(face_gray, codes, scores)
    # Features are judged only on a face that is sharp, whole and large enough to show them.
    judge_features = not blurry and not {"face_cut", "face_too_small"} & set(codes)
    if judge_features and "eyes_covered" not in codes:
        _eyes_and_pose(face, known_eyes or det.eyes_in(gray, face), codes, scores)
    if judge_features:
        _mouth(_crop(image_bgr, original_face), codes, scores)
    _picture_of_picture(gray, face, codes, scores)
    return _done(codes, scores)


def _done(codes: list[str], scores: dict[str, float]) -> Verdict:
    verdict = Verdict.from_failures(codes, scores)
    log.info("foto viva: %s %s", verdict.verdict, ",".join(verdict.codes))
    return verdict


def _require_image(image: object) -> None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError("se esperaba una imagen BGR de 8 bits (alto × ancho × 3)")
    if min(image.shape[:2]) < 32:
        raise ValueError("la imagen es demasiado pequeña")


def _crop(image: np.ndarray, box: Box) -> np.ndarray:
    x, y, w, h = box
    H, W = image.shape[:2]
    return image[max(0, y):min(H, y + h), max(0, x):min(W, x + w)]


def _geometry(face: Box, shape: tuple[int, ...], codes: list[str], scores: dict[str, float]) -> None:
    x, y, w, h = face
    H, W = shape[:2]
    ratio = w / W
    scores["face_width_ratio"] = ratio
    if "face_cut" not in codes:
        # The head needs room above the brows and beside the cheeks for a head-and-shoulders crop.
        head = (x - 0.08 * w, y - 0.18 * h, x + 1.08 * w, y + 1.1 * h)
        margin = min(head[0] / W, head[1] / H, 1 - head[2] / W, 1 - head[3] / H)
        scores["head_margin"] = margin
        if margin < 0:
            codes.append("face_cut")
    if ratio < MIN_FACE_RATIO:
        codes.append("face_too_small")


def _sharpness(face_gray: np.ndarray, codes: list[str], scores: dict[str, float]) -> bool:
    if face_gray.size == 0:
        return False
    face = cv2.resize(face_gray, (128, 128), interpolation=cv2.INTER_AREA)
    # Divided by the face's own contrast so a dim but sharp face is not called blurred.
    sharpness = 1000.0 * float(cv2.Laplacian(face, cv2.CV_64F).var()) / max(9.0, float(face.astype(np.float32).var()))
    scores["sharpness"] = sharpness
    if face_gray.shape[1] < MIN_FACE_PX:
        return False  # too few pixels to judge; the size check already asks to come closer
    if sharpness < MIN_SHARPNESS:
        codes.append("blurry")
        return True
    return False


def _exposure(gray: np.ndarray, codes: list[str], scores: dict[str, float], whole_image: bool = False) -> None:
    """Face luminance; without a face, the whole picture with looser limits (a night scene is dark)."""
    if gray.size == 0:
        return
    mean = float(gray.mean())
    highlights = float(np.percentile(gray, 95))
    clipped = float((gray >= 250).mean())
    scores["brightness"] = mean
    scores["highlights"] = highlights
    scores["clipped"] = clipped
    dark, bright = (DARK_IMAGE, BRIGHT_IMAGE) if whole_image else (DARK_FACE, BRIGHT_FACE)
    if highlights < dark:
        codes.append("too_dark")
    elif mean > bright or clipped > CLIPPED_FACE:
        codes.append("overexposed")


def _eyes_and_pose(face: Box, eyes: list[Box], codes: list[str], scores: dict[str, float]) -> None:
    x, y, w, h = face
    centre = x + w / 2
    left = [e for e in eyes if e[0] + e[2] / 2 < centre]
    right = [e for e in eyes if e[0] + e[2] / 2 >= centre]
    scores["eyes"] = float(bool(left)) + float(bool(right))
    if not left or not right:
        codes.append("eyes_covered")
        return
    le = max(left, key=lambda e: e[2])
    re = max(right, key=lambda e: e[2])
    (lx, ly), (rx, ry) = (le[0] + le[2] / 2, le[1] + le[3] / 2), (re[0] + re[2] / 2, re[1] + re[3] / 2)
    roll = math.degrees(math.atan2(ry - ly, rx - lx))
    yaw = ((lx + rx) / 2 - centre) / w
    scores["roll_deg"] = abs(roll)
    scores["yaw_offset"] = abs(yaw)
    if abs(roll) > MAX_ROLL_DEG or abs(yaw) > MAX_YAW_OFFSET:
        codes.append("not_frontal")


def _mouth(face_bgr: np.ndarray, codes: list[str], scores: dict[str, float]) -> None:
    """Nose and mouth should have the colour of the face's own skin; a mask does not.

    The skin is sampled on the forehead and on the bridge between the eyes and the better match
    counts, so hair over the forehead does not make a bare mouth look covered.
    """
    if face_bgr.size == 0:
        return
    h, w = face_bgr.shape[:2]
    ycc = cv2.cvtColor(face_bgr, cv2.COLOR_BGR2YCrCb).astype(np.float32)
    lower = ycc[int(0.62 * h):int(0.92 * h), int(0.3 * w):int(0.7 * w)].reshape(-1, 3)
    references = [ycc[int(0.05 * h):int(0.22 * h), int(0.3 * w):int(0.7 * w)],    # forehead
                  ycc[int(0.3 * h):int(0.48 * h), int(0.42 * w):int(0.58 * w)]]   # between the eyes
    shares = []
    for region in references:
        if region.size == 0 or len(lower) == 0:
            continue
        ref = np.median(region.reshape(-1, 3), axis=0)
        chroma = np.hypot(lower[:, 1] - ref[1], lower[:, 2] - ref[2])
        luma = np.abs(lower[:, 0] - ref[0])
        shares.append(float(((chroma < 12) & (luma < 70)).mean()))
    if not shares:
        return
    scores["mouth_skin_share"] = max(shares)
    if max(shares) < MIN_MOUTH_SKIN:
        codes.append("mouth_covered")


def _picture_of_picture(gray: np.ndarray, face: Box, codes: list[str], scores: dict[str, float]) -> None:
    quad = enclosing_quad(gray, face)
    if quad is None:
        scores["frame_around_face"] = 0.0
        return
    aspect = quad_aspect(quad)
    scores["frame_around_face"] = 1.0
    scores["frame_aspect"] = aspect
    bx, _, bw, _ = cv2.boundingRect(quad.astype(np.int32))
    face_pos = (face[0] + face[2] / 2 - bx) / max(1, bw)
    scores["face_position_in_frame"] = face_pos
    # A credential: ID-1 proportions (give or take a header band) with the photo at one side.
    if ID1_ASPECT - 0.25 <= aspect <= ID1_ASPECT + 0.4 and (face_pos < 0.35 or face_pos > 0.65):
        codes.append("photo_of_credential")
    else:
        codes.append("photo_of_photo")

"""Live-photo gate: is this one person's uncovered, frontal, sharp, well-lit face taken directly?

`check_photo(image_bgr) -> Verdict`; every check adds a score and, when it fails, a reason code.
Faces and their five landmarks come from YuNet (detector.py); eyes covered, mouth covered, face
cut, tiny face and two faces are judged on the landmarks of the one face, not on more detectors.
"""

from __future__ import annotations

import logging
import math

import cv2
import numpy as np

from kiosk.quality.detector import Box, Face, find_faces
from kiosk.quality.frames import ID1_ASPECT, enclosing_quad, quad_aspect
from kiosk.quality.verdict import Verdict

log = logging.getLogger(__name__)

MIN_FACE_RATIO = 0.12        # face width over image width
MIN_FACE_PX = 60             # face width in pixels of the original image
MIN_SHARPNESS = 15.0         # variance of the Laplacian over the variance of the face (×1000), at 128×128
MIN_REBLUR_LOSS = 0.21       # share of edge energy a 1.5 px blur removes from the face
DARK_FACE = 60.0             # 95th percentile of face luminance below this is too dark: judged on the
                             # highlights (eyes, teeth, skin sheen) so a darker skin in good light passes
BRIGHT_FACE = 200.0          # ... above this is burnt
DARK_IMAGE = 70.0            # the same for a whole picture where no face was found
BRIGHT_IMAGE = 215.0
CLIPPED_FACE = 0.25          # share of face pixels at 250+ that is burnt
MAX_ROLL_DEG = 18.0          # eye line off horizontal
MAX_YAW = 0.35               # nose off the eyes' midpoint, in eye distances
MIN_EYE_LIGHT = 0.38         # median light of an eye (white, iris, lids) over the cheek's skin below it
MIN_MOUTH_SKIN = 0.35        # share of nose-and-mouth pixels with the face's own skin colour
SKIN_CHROMA = 20.0           # CrCb distance to the face's skin that still counts as skin (strong or
                             # coloured light moves the chroma of one part of the face more than another)
MIN_MOUTH_TEXTURE = 0.08     # light variation across the mouth (lips, teeth, shadow) over the skin's light
ORIENTATION_SIDE = 240       # turned and tilted copies are searched at this size
MIN_TURNED_SCORE = 0.88      # a face found only in a turned copy must be this clear
TURN_MARGIN = 0.04           # ... and this much clearer than upright
SECOND_FACE_SIZE = 0.45      # a second face this large (relative to the first) counts as a person
FRAME_SIDE = 480             # the border search runs on a copy whose longer side is this
FACE_HALF_WIDTH = 0.9        # the face's half width, in eye distances (the landmarks say where it is)
FOREHEAD = 0.7               # forehead above the eyes, in eye distances
CHIN = 0.6                   # chin below the mouth, in eye distances


def check_photo(image_bgr: np.ndarray) -> Verdict:
    """Judge one live photo (BGR uint8, as OpenCV reads it)."""
    _require_image(image_bgr)
    codes: list[str] = []
    scores: dict[str, float] = {}
    gray = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    faces = find_faces(image_bgr)
    if faces:
        faces = [f for f in faces if f.width >= SECOND_FACE_SIZE * faces[0].width]
    scores["faces"] = float(len(faces))
    if not faces:
        _exposure(gray, codes, scores, whole_image=True)
        if not codes:
            _orientation(image_bgr, None, codes, scores)
        if "rotated" not in codes:
            codes.append("no_face")
        return _done(codes, scores)
    face = faces[0]
    scores["face_score"] = face.score
    if len(faces) > 1:
        codes.append("multiple_faces")
    _geometry(face, gray.shape, codes, scores)
    box = face.int_box()
    face_gray = _crop(gray, box)
    blurry = _sharpness(face_gray, codes, scores)
    _exposure(face_gray, codes, scores)
    # Features are judged only on a face that is sharp, whole and large enough to show them.
    if not blurry and not {"face_cut", "face_too_small", "too_dark", "overexposed"} & set(codes):
        _pose(face, codes, scores)
        if "not_frontal" not in codes:
            _orientation(image_bgr, _best_score(_small(image_bgr, ORIENTATION_SIDE)), codes, scores)
        _eyes(image_bgr, face, codes, scores)
        _mouth(image_bgr, face, codes, scores)
    _picture_of_picture(gray, box, codes, scores)
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


def _geometry(face: Face, shape: tuple[int, ...], codes: list[str], scores: dict[str, float]) -> None:
    """Face size, and the whole face inside the frame: its extent follows from the landmarks
    (about one eye distance each side of the eyes' midpoint, forehead above, chin below), since
    the detector's box stops at the frame's edge."""
    H, W = shape[:2]
    ratio = face.width / W
    scores["face_width_ratio"] = ratio
    d = face.eye_distance
    mid_x = (face.right_eye[0] + face.left_eye[0]) / 2
    eyes_y = (face.right_eye[1] + face.left_eye[1]) / 2
    mouth_y = (face.mouth_right[1] + face.mouth_left[1]) / 2
    extent = (mid_x - FACE_HALF_WIDTH * d, eyes_y - FOREHEAD * d, mid_x + FACE_HALF_WIDTH * d, mouth_y + CHIN * d)
    margin = min(extent[0] / W, extent[1] / H, 1 - extent[2] / W, 1 - extent[3] / H)
    scores["face_margin"] = margin
    if margin < 0:
        codes.append("face_cut")
    if ratio < MIN_FACE_RATIO:
        codes.append("face_too_small")


def _sharpness(face_gray: np.ndarray, codes: list[str], scores: dict[str, float]) -> bool:
    """Two views of blur on the face at 128×128, both blind to contrast: fine detail (Laplacian)
    and what a further blur takes away (an already blurred face loses little)."""
    if face_gray.size == 0:
        return False
    face = cv2.resize(face_gray, (128, 128), interpolation=cv2.INTER_AREA)
    f32 = face.astype(np.float32)
    sharpness = 1000.0 * float(cv2.Laplacian(face, cv2.CV_64F).var()) / max(9.0, float(f32.var()))
    detail = _edge_energy(f32)
    reblur = 1.0 - _edge_energy(cv2.GaussianBlur(f32, (0, 0), 1.5)) / max(1e-6, detail)
    scores["sharpness"] = sharpness
    scores["reblur_loss"] = reblur
    if face_gray.shape[1] < MIN_FACE_PX:
        return False  # too few pixels to judge; the size check already asks to come closer
    if sharpness < MIN_SHARPNESS or reblur < MIN_REBLUR_LOSS:
        codes.append("blurry")
        return True
    return False


def _edge_energy(image: np.ndarray) -> float:
    return float(np.abs(np.diff(image, axis=0)).mean() + np.abs(np.diff(image, axis=1)).mean())


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


def _pose(face: Face, codes: list[str], scores: dict[str, float]) -> None:
    """Roll from the eye line; yaw from how far the nose sits off the eyes' midpoint."""
    (rx, ry), (lx, ly) = face.right_eye, face.left_eye
    roll = math.degrees(math.atan2(ly - ry, lx - rx))
    yaw = (face.nose[0] - (rx + lx) / 2) / max(1.0, face.eye_distance)
    scores["roll_deg"] = abs(roll)
    scores["yaw"] = abs(yaw)
    if abs(roll) > MAX_ROLL_DEG or abs(yaw) > MAX_YAW:
        codes.append("not_frontal")


def _patch(image: np.ndarray, centre: tuple[float, float], half_w: float, half_h: float) -> np.ndarray:
    x, y = centre
    H, W = image.shape[:2]
    x0, x1 = max(0, int(x - half_w)), min(W, int(x + half_w) + 1)
    y0, y1 = max(0, int(y - half_h)), min(H, int(y + half_h) + 1)
    return image[y0:y1, x0:x1]


def _skin_reference(ycc: np.ndarray, face: Face) -> list[np.ndarray]:
    """Bare skin to compare the mouth with: the forehead, each upper cheek (just under the eye,
    above where a mask reaches) and the bridge between the eyes (the last one)."""
    d = face.eye_distance
    between = ((face.right_eye[0] + face.left_eye[0]) / 2, (face.right_eye[1] + face.left_eye[1]) / 2)
    cheeks = [_patch(ycc, (eye[0], eye[1] + 0.3 * d), 0.12 * d, 0.06 * d) for eye in (face.right_eye, face.left_eye)]
    return [_patch(ycc, (between[0], between[1] - 0.45 * d), 0.35 * d, 0.12 * d), *cheeks,
            _patch(ycc, between, 0.08 * d, 0.08 * d)]


def _eyes(image_bgr: np.ndarray, face: Face, codes: list[str], scores: dict[str, float]) -> None:
    """Dark glasses leave the eye darker than the cheek below it by far, whatever the skin tone;
    an open eye (white, iris, lids) is not. A glint on the lens does not move the median."""
    gray = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    d = face.eye_distance
    lights = []
    for eye, side in ((face.right_eye, "right"), (face.left_eye, "left")):
        cheek = _patch(gray, (eye[0] + 0.1 * (face.nose[0] - eye[0]), eye[1] + 0.45 * d), 0.12 * d, 0.08 * d)
        patch = _patch(gray, eye, 0.25 * d, 0.15 * d)
        if cheek.size == 0 or patch.size == 0:
            continue
        light = float(np.median(patch)) / max(1.0, float(np.median(cheek)))
        scores[f"{side}_eye_light"] = light
        lights.append(light)
    if lights and max(lights) < MIN_EYE_LIGHT:
        codes.append("eyes_covered")


def _mouth(image_bgr: np.ndarray, face: Face, codes: list[str], scores: dict[str, float]) -> None:
    """Nose and mouth should have the colour of the face's own skin and the lips' light and shade;
    a mask has another colour, or is one flat surface.

    The skin is sampled on the forehead and between the eyes and the better match counts, so hair
    over the forehead does not make a bare mouth look covered.
    """
    d = face.eye_distance
    ycc = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2YCrCb).astype(np.float32)
    mouth = ((face.mouth_right[0] + face.mouth_left[0]) / 2, (face.mouth_right[1] + face.mouth_left[1]) / 2)
    lower = np.vstack([_patch(ycc, (mouth[0], mouth[1] + 0.25 * d), 0.3 * d, 0.12 * d).reshape(-1, 3),
                       _patch(ycc, face.nose, 0.15 * d, 0.1 * d).reshape(-1, 3)])
    references = [r.reshape(-1, 3) for r in _skin_reference(ycc, face) if r.size]
    if len(lower) == 0 or not references:
        return
    shares = []
    for region in references:
        ref = np.median(region, axis=0)
        chroma = np.hypot(lower[:, 1] - ref[1], lower[:, 2] - ref[2])
        luma = np.abs(lower[:, 0] - ref[0])
        shares.append(float(((chroma < SKIN_CHROMA) & (luma < 70)).mean()))
    lips = _patch(ycc[..., 0], mouth, 0.3 * d, 0.15 * d)
    texture = float(lips.std()) / max(1.0, float(np.median(references[-1][:, 0]))) if lips.size else 1.0
    scores["mouth_skin_share"] = max(shares)
    scores["mouth_texture"] = texture
    if max(shares) < MIN_MOUTH_SKIN or texture < MIN_MOUTH_TEXTURE:
        codes.append("mouth_covered")


def _orientation(image_bgr: np.ndarray, upright: float | None, codes: list[str], scores: dict[str, float]) -> None:
    """Is the face clearer to the detector when the picture is turned (a quarter, a half) or
    tilted by 30°? Then the camera or the head is not straight. `upright` is the face's own score
    (None when no upright face was found)."""
    small = _small(image_bgr, ORIENTATION_SIDE)
    base = upright if upright is not None else 0.0
    best = max(((_best_score(cv2.rotate(small, turn)), degrees) for turn, degrees in
                ((cv2.ROTATE_90_CLOCKWISE, 90.0), (cv2.ROTATE_90_COUNTERCLOCKWISE, 270.0), (cv2.ROTATE_180, 180.0))))
    if best[0] >= MIN_TURNED_SCORE and best[0] > base + TURN_MARGIN:
        codes.append("rotated")
        scores["rotation_deg"] = best[1]
        return
    if upright is None:
        return
    h, w = small.shape[:2]
    for angle in (30.0, -30.0):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        tilted = _best_score(cv2.warpAffine(small, m, (w, h), borderMode=cv2.BORDER_REPLICATE))
        if tilted > base + TURN_MARGIN:
            codes.append("not_frontal")
            scores["tilt_deg"] = abs(angle)
            return


def _small(image: np.ndarray, side: int) -> np.ndarray:
    scale = min(1.0, side / max(image.shape[:2]))
    return image if scale == 1.0 else cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _best_score(image: np.ndarray) -> float:
    faces = find_faces(image)
    return max((f.score for f in faces), default=0.0)


def _picture_of_picture(gray: np.ndarray, face: Box, codes: list[str], scores: dict[str, float]) -> None:
    """A straight four-sided border closing around the face: a print, a screen or a card."""
    scale = min(1.0, FRAME_SIDE / max(gray.shape[:2]))
    small = cv2.equalizeHist(cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    face = tuple(int(round(v * scale)) for v in face)  # type: ignore[assignment]
    quad = enclosing_quad(small, face)
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

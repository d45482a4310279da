"""Message catalog of the capture quality gates: one sentence per failed check, Spanish first.

Codes are stable (tests and the capture flow match on them); the sentence tells the citizen what to fix.
"""

from __future__ import annotations

from kiosk.messages import lookup

MESSAGES: dict[str, dict[str, str]] = {
    # Live photo.
    "no_face": {
        "es": "No se ve un rostro de frente. Mire a la cámara con la cara descubierta (sin lentes oscuros, gorra ni cubrebocas).",
        "en": "No frontal face is visible. Look at the camera with your face uncovered (no sunglasses, cap or mask).",
    },
    "multiple_faces": {
        "es": "Aparece más de una persona. En la foto debe estar sólo quien da su apoyo.",
        "en": "More than one person appears. Only the person giving support may be in the photo.",
    },
    "rotated": {
        "es": "La foto está de lado o de cabeza. Enderece la cámara y tome la foto de nuevo.",
        "en": "The photo is sideways or upside down. Straighten the camera and retake it.",
    },
    "not_frontal": {
        "es": "La cara está inclinada o volteada. Mire de frente a la cámara con la cabeza derecha.",
        "en": "The face is tilted or turned. Look straight at the camera with your head upright.",
    },
    "face_too_small": {
        "es": "La cara se ve muy pequeña. Acérquese a la cámara.",
        "en": "The face is too small. Move closer to the camera.",
    },
    "face_cut": {
        "es": "La cara queda cortada por el borde de la foto. Colóquese al centro de la imagen.",
        "en": "The face is cut by the edge of the photo. Move to the centre of the picture.",
    },
    "eyes_covered": {
        "es": "No se ven los ojos. Quítese lentes oscuros, gorra o sombrero y mire a la cámara.",
        "en": "The eyes are not visible. Remove sunglasses, cap or hat and look at the camera.",
    },
    "mouth_covered": {
        "es": "La nariz y la boca están cubiertas. Quítese el cubrebocas o lo que le tape la cara.",
        "en": "Nose and mouth are covered. Remove the face mask or whatever covers your face.",
    },
    "blurry": {
        "es": "La foto salió borrosa. Quédese quieto y tome la foto de nuevo.",
        "en": "The photo is blurred. Hold still and retake it.",
    },
    "too_dark": {
        "es": "La foto está muy oscura. Busque más luz o encienda la lámpara.",
        "en": "The photo is too dark. Find more light or turn on the lamp.",
    },
    "overexposed": {
        "es": "La foto tiene demasiada luz (la cara se ve quemada). Evite la luz directa detrás o frente a la cámara.",
        "en": "The photo is overexposed (the face is washed out). Avoid direct light behind or in front of the camera.",
    },
    "photo_of_photo": {
        "es": "Parece la foto de otra foto o de una pantalla. La foto debe tomarse directamente a la persona.",
        "en": "This looks like a photo of a printed picture or a screen. The photo must be taken of the person directly.",
    },
    "photo_of_credential": {
        "es": "Parece la foto de una credencial. La foto viva debe tomarse directamente a la persona, no a su credencial.",
        "en": "This looks like a photo of a credential. The live photo must be of the person, not of the card.",
    },
    "stored_face_lost": {
        "es": "Al comprimir la foto ya no se reconoce la cara. Tome la foto de nuevo más de cerca.",
        "en": "After compression the face is no longer recognisable. Retake the photo from closer.",
    },
    "unreadable_image": {
        "es": "No se pudo leer la imagen ({detail}).",
        "en": "The image could not be read ({detail}).",
    },
    # Handwritten signature.
    "signature_empty": {
        "es": "No hay firma. Firme en el recuadro con su firma como en su credencial.",
        "en": "There is no signature. Sign in the box as on your credential.",
    },
    "signature_dot": {
        "es": "La firma es sólo un punto. Firme completo, como en su credencial.",
        "en": "The signature is just a dot. Sign in full, as on your credential.",
    },
    "signature_line": {
        "es": "La firma es sólo una línea. Firme completo, como en su credencial.",
        "en": "The signature is just a line. Sign in full, as on your credential.",
    },
    "signature_cross": {
        "es": "La firma es una cruz o una \"X\". Firme completo, como en su credencial.",
        "en": "The signature is a cross or an \"X\". Sign in full, as on your credential.",
    },
    "signature_check": {
        "es": "La firma es una paloma (✓). Firme completo, como en su credencial.",
        "en": "The signature is a check mark (✓). Sign in full, as on your credential.",
    },
    "signature_circle": {
        "es": "La firma es sólo un círculo. Firme completo, como en su credencial.",
        "en": "The signature is just a circle. Sign in full, as on your credential.",
    },
    "signature_tiny": {
        "es": "Firme más grande, use todo el recuadro.",
        "en": "Sign bigger, use the whole box.",
    },
    "signature_too_simple": {
        "es": "La firma es demasiado simple (parece un símbolo o iniciales). Firme completo, como en su credencial.",
        "en": "The signature is too simple (it looks like a symbol or initials). Sign in full, as on your credential.",
    },
    "signature_too_fast": {
        "es": "La firma se hizo demasiado rápido para ser una firma completa. Firme con calma.",
        "en": "The signature was made too fast to be a full signature. Sign calmly.",
    },
    "trajectory_invalid": {
        "es": "La firma recibida del panel no es válida ({detail}).",
        "en": "The signature received from the pad is not valid ({detail}).",
    },
}


def text(code: str, lang: str = "es", **params: object) -> str:
    """The sentence for `code` in `lang` (Spanish by default) with its parameters filled in."""
    return lookup(MESSAGES, code, lang, **params)

CLI_HELP: dict[str, dict[str, str]] = {
    "check_photo": {"es": "revisa una foto viva (un rostro descubierto, de frente, nítido) y dice por qué se rechaza",
                    "en": "check a live photo (one uncovered, frontal, sharp face) and say why it is rejected"},
    "check_signature": {"es": "revisa una firma del panel (no un punto, línea, cruz, paloma ni círculo)",
                        "en": "check a pad signature (not a dot, line, cross, check mark or circle)"},
    "image": {"es": "archivo de imagen (JPEG, PNG, ...)", "en": "image file (JPEG, PNG, ...)"},
    "trajectory": {"es": "archivo JSON con la trayectoria del panel {width, height, points}",
                   "en": "JSON file with the pad trajectory {width, height, points}"},
    "json": {"es": "salida en JSON {verdict, reasons, codes, scores}", "en": "JSON output {verdict, reasons, codes, scores}"},
    "data_dir": {"es": "carpeta de datos del kiosco", "en": "kiosk data folder"},
    "accept": {"es": "ACEPTADA", "en": "ACCEPTED"},
    "reject": {"es": "RECHAZADA", "en": "REJECTED"},
}


def both(key: str) -> str:
    """Help text in Spanish and English, as every `kiosk` command shows it."""
    return f"{CLI_HELP[key]['es']} / {CLI_HELP[key]['en']}"

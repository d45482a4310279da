"""Spanish-first sentences of credential reading: warnings and errors shown at the kiosk.

`message(code, lang, **params)` formats one; the codes are what `CredentialReading` carries.
"""

from __future__ import annotations

from kiosk.messages import lookup

MESSAGES: dict[str, dict[str, str]] = {
    "no_card": {
        "es": "No se encontró una credencial legible. Colóquela completa frente a la cámara, cerca, sin reflejos y sin taparla con los dedos.",
        "en": "No readable credential was found in the photo. Hold the whole credential close to the camera, without glare and without covering it with your fingers.",
    },
    "one_side_only": {
        "es": "Falta el {missing} de la credencial: se necesitan ambos lados.",
        "en": "The {missing_en} side of the credential is missing: both sides are needed.",
    },
    "two_backs": {
        "es": "Las dos fotos muestran el reverso de la credencial; falta el anverso.",
        "en": "Both photos show the back of the credential; the front is missing.",
    },
    "two_fronts": {
        "es": "Las dos fotos muestran el anverso de la credencial; falta el reverso.",
        "en": "Both photos show the front of the credential; the back is missing.",
    },
    "name_cut": {
        "es": "El nombre completo no cabe en el reverso: queda para revisión con la imagen del anverso.",
        "en": "The full name does not fit on the back: it is left for review with the front image.",
    },
    "sides_differ": {
        "es": "El anverso y el reverso no parecen ser de la misma credencial ({detail}).",
        "en": "Front and back do not seem to be from the same credential ({detail}).",
    },
    "photocopy": {
        "es": "La imagen parece una fotocopia ({kind}); se necesita la credencial original.",
        "en": "The image looks like a photocopy ({kind}); the original credential is needed.",
    },
    "screen": {
        "es": "La imagen parece tomada de una pantalla o monitor; se necesita la credencial original.",
        "en": "The image seems to be taken from a screen or monitor; the original credential is needed.",
    },
    "illegible": {
        "es": "Credencial ilegible: no se pudo verificar {what}. Tome la foto de nuevo, más cerca y sin reflejos.",
        "en": "Illegible credential: {what_en} could not be verified. Take the photo again, closer and without glare.",
    },
    "clave_unread": {
        "es": "No se pudo leer la clave de elector del anverso; tome de nuevo la foto del anverso, sin reflejos.",
        "en": "The clave de elector could not be read on the front; take the front photo again, without glare.",
    },
    "clave_unverified": {
        "es": "La clave de elector leída no se pudo confirmar con la CURP, la fecha de nacimiento y el nombre; no se captura.",
        "en": "The clave de elector read could not be confirmed with the CURP, birth date and name; it is not captured.",
    },
    "no_zone": {
        "es": "No se ve la zona de lectura (las tres líneas de letras y números del reverso): muestre el reverso completo.",
        "en": "The machine-readable zone (the three lines of letters and digits on the back) is not visible: show the whole back.",
    },
    "too_far": {
        "es": "La credencial se ve muy pequeña: acerque la credencial a la cámara.",
        "en": "The credential looks too small: bring the credential closer to the camera.",
    },
    "glare": {
        "es": "Hay un reflejo sobre la credencial: evite el reflejo inclinándola un poco o alejándola de la luz.",
        "en": "There is a reflection on the credential: avoid the glare by tilting it a little or moving it away from the light.",
    },
    "blurry": {
        "es": "La foto salió movida o desenfocada: sostenga la credencial quieta y tome la foto de nuevo.",
        "en": "The photo is blurred: hold the credential still and take the photo again.",
    },
    "front_unread": {
        "es": "No se pudo leer el anverso: tome la foto de nuevo, de frente, sin reflejos y con la credencial completa.",
        "en": "The front could not be read: take the photo again, straight on, without glare and with the whole credential.",
    },
    "name_unverified": {
        "es": "El nombre de la zona de lectura no se pudo confirmar con el anverso; no se captura.",
        "en": "The name in the machine-readable zone could not be confirmed on the front; it is not captured.",
    },
    "name_truncated": {
        "es": "El nombre está recortado en la zona de lectura mecánica; se completó con el anverso solo si coincide.",
        "en": "The name is truncated in the machine-readable zone; it was completed from the front only if it matches.",
    },
    "sex_unverified": {
        "es": "El sexo no se pudo leer con certeza; no se captura.",
        "en": "The sex could not be read with certainty; it is not captured.",
    },
    "conflict": {
        "es": "No coinciden {field_es}: {a} según {source_a_es} y {b} según {source_b_es}; el dato no se captura.",
        "en": "Sources disagree on {field}: {a} ({source_a}) and {b} ({source_b}); the field is not captured.",
    },
    "check_digit": {
        "es": "El dígito verificador de {what} no coincide; el dato no se captura.",
        "en": "The check digit of {what_en} does not match; the field is not captured.",
    },
    "compressed_unreadable": {
        "es": "La imagen comprimida ya no se puede leer; se conserva con mayor calidad.",
        "en": "The compressed image no longer reads; it is kept at higher quality.",
    },
    # why a file is not a photo: the {reason} of file_unreadable
    "reason_empty": {"es": "el archivo está vacío", "en": "the file is empty"},
    "reason_heic": {
        "es": "es una foto HEIC de teléfono, que el kiosco no lee; guárdela como JPEG y vuelva a intentarlo",
        "en": "it is a phone HEIC photo, which the kiosk does not read; save it as JPEG and try again",
    },
    "reason_not_photo": {
        "es": "no es una imagen en un formato de foto (JPEG, PNG, WebP, TIFF, BMP, GIF o AVIF)",
        "en": "it is not an image in a photo format (JPEG, PNG, WebP, TIFF, BMP, GIF or AVIF)",
    },
    "reason_damaged": {"es": "el archivo está dañado o incompleto", "en": "the file is damaged or incomplete"},
    "reason_too_heavy": {"es": "el archivo pesa {mb} MB", "en": "the file weighs {mb} MB"},
    "file_unreadable": {
        "es": "No se pudo leer la imagen {path}: {reason}.",
        "en": "Could not read the image {path}: {reason}.",
    },
    "image_black": {
        "es": "La imagen {path} está completamente oscura; revise la cámara o la iluminación.",
        "en": "The image {path} is completely dark; check the camera or the lighting.",
    },
    "image_bad_shape": {
        "es": "La imagen {path} no tiene forma de foto ({width}×{height} píxeles); tome la foto de nuevo con la cámara del kiosco.",
        "en": "The image {path} is not shaped like a photo ({width}x{height} pixels); take the photo again with the kiosk camera.",
    },
    "capture_failed": {
        "es": "No se pudo leer la credencial en esta foto; tómela de nuevo.",
        "en": "The credential could not be read in this photo; take it again.",
    },
    "decode_failed": {
        "es": "No se pudo procesar la imagen {path}; tome la foto de nuevo.",
        "en": "The image {path} could not be processed; take the photo again.",
    },
    "image_too_large": {
        "es": "La imagen {path} es demasiado grande ({megapixels} megapíxeles, máximo {limit}).",
        "en": "The image {path} is too large ({megapixels} megapixels, at most {limit}).",
    },
}

WHAT = {
    "cic": ("el CIC", "the CIC"),
    "birth": ("la fecha de nacimiento", "the birth date"),
    "expiry": ("la vigencia", "the expiry"),
    "composite": ("la zona de lectura mecánica (dígito compuesto)", "the machine-readable zone (composite digit)"),
    "ocr": ("el OCR", "the OCR"),
    "mrz": ("la zona de lectura mecánica", "the machine-readable zone"),
}


FIELD_ES = {  # a reading's fields as a person at the kiosk names them
    "cic": "el CIC", "ocr": "el OCR", "birth_date": "la fecha de nacimiento", "sex": "el sexo",
    "expiry_year": "la vigencia", "apellido_paterno": "el primer apellido", "apellido_materno": "el segundo apellido",
    "nombres": "el nombre", "emision": "la emisión", "clave_elector": "la clave de elector",
}
SOURCE_ES = {  # where a value was read
    "mrz": "la zona de lectura mecánica", "qr": "el código QR", "barcode": "el código de barras",
    "ocr": "el texto impreso de la credencial",
}


def message(code: str, lang: str = "es", **params: object) -> str:
    """The sentence for `code` in `lang` (Spanish by default) with its parameters filled in."""
    return lookup(MESSAGES, code, lang, **params)
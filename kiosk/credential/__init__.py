"""Reading the Credencial para Votar from photos: every field verified by check digits and
cross-checks, or left empty and flagged. Entry points: `read_credential`, `read_image`, `compress_side`.
"""

from kiosk.credential.imageio import ImageRejected, load_bytes, load_image
from kiosk.credential.reader import CredentialReading, FieldValue, Notice, read_credential, read_image
from kiosk.credential.storage import CompressionError, compress_side

__all__ = [
    "CredentialReading",
    "FieldValue",
    "Notice",
    "ImageRejected",
    "CompressionError",
    "read_credential",
    "read_image",
    "compress_side",
    "load_image",
    "load_bytes",
]

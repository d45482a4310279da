"""The comprobante printed for the citizen after a save: folio, process, date and part of the
integrity code — never a name, clave de elector or any other personal data."""

from __future__ import annotations

RECEIPT_TEXT = {
    "title": {"es": "COMPROBANTE DE APOYO CIUDADANO", "en": "CITIZEN SUPPORT RECEIPT"},
    "folio": {"es": "Folio: {folio}", "en": "Folio: {folio}"},
    "process": {"es": "Proceso: {process}", "en": "Process: {process}"},
    "received": {"es": "Fecha y hora: {at}", "en": "Date and time: {at}"},
    "integrity": {"es": "Código de integridad:", "en": "Integrity code:"},
    "test_title": {"es": "PRUEBA DE IMPRESORA", "en": "PRINTER TEST"},
    "test_device": {"es": "Dispositivo: {device}", "en": "Device: {device}"},
    "test_body": {"es": "Si lee estas líneas completas y el papel se cortó, la impresora está lista.",
                  "en": "If these lines are complete and the paper was cut, the printer is ready."},
    "sealed": {"es": "El registro quedó sellado; puede verificarlo con el OPL usando este folio.",
               "en": "The record is sealed; you can check it with the OPL using this folio."},
}
WIDTH = 42  # characters per line on a 80 mm printer with font A


def _wrap(text: str, width: int = WIDTH) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return lines + ([current] if current else [])


def receipt_lines(folio: str, integrity: str, process_name: str, received_at_text: str,
                  lang: str = "es") -> list[str]:
    """The receipt as lines of at most WIDTH characters; the integrity code is shortened to
    its first 16 and last 16 characters."""
    def t(code: str, **params: str) -> str:
        return RECEIPT_TEXT[code][lang].format(**params)

    code = integrity if len(integrity) <= 35 else f"{integrity[:16]}...{integrity[-16:]}"
    return [t("title"), "=" * WIDTH, *_wrap(t("folio", folio=folio)),
            *_wrap(t("process", process=process_name)), *_wrap(t("received", at=received_at_text)),
            t("integrity"), code, "-" * WIDTH, *_wrap(t("sealed"))]


def printer_test_lines(device_id: str, at_text: str, lang: str = "es") -> list[str]:
    """A short receipt for the technician's printer test (no personal data, no folio)."""
    def t(code: str, **params: str) -> str:
        return RECEIPT_TEXT[code][lang].format(**params)

    return [t("test_title"), "=" * WIDTH, *_wrap(t("test_device", device=device_id)),
            *_wrap(t("received", at=at_text)), "-" * WIDTH, *_wrap(t("test_body"))]

"""Message catalog of the paper-cédula pipeline: flags, import problems and command output.

Spanish first, English second; `text(code, lang, **params)` falls back to the code itself.
"""

from __future__ import annotations

from kiosk.messages import lookup

MESSAGES: dict[str, dict[str, str]] = {
    # --- row flags (page reading and confirmation) -----------------------------------------
    "sin_firma": {"es": "La fila no tiene firma.", "en": "The row has no signature."},
    "clave_invalida": {
        "es": "La clave de elector leída no tiene un formato válido.",
        "en": "The clave de elector read is not in a valid format.",
    },
    "clave_no_coincide": {
        "es": "Las letras de la clave de elector no coinciden con el nombre y los apellidos.",
        "en": "The clave de elector letters do not match the name and surnames.",
    },
    "clave_menor_de_edad": {
        "es": "La fecha de nacimiento de la clave indica una persona menor de 18 años.",
        "en": "The birth date in the clave says the person is under 18.",
    },
    "clave_duplicada": {
        "es": "Esta clave de elector ya aparece en otra fila de la cédula.",
        "en": "This clave de elector already appears in another row of the cédula.",
    },
    "clave_ya_capturada": {
        "es": "Esta clave de elector ya fue capturada en este proceso.",
        "en": "This clave de elector was already captured in this process.",
    },
    "confianza_baja": {
        "es": "Lectura con confianza baja: revise los campos marcados.",
        "en": "Low-confidence read: check the marked fields.",
    },
    "sin_apellidos": {"es": "No se leyó ningún apellido.", "en": "No surname was read."},
    "sin_nombre": {"es": "No se leyó el nombre.", "en": "No given name was read."},
    # --- page errors ------------------------------------------------------------------------
    "page_bad_shape": {
        "es": "La imagen {path} no tiene forma de hoja ({width}×{height} píxeles); escanee de nuevo la hoja completa.",
        "en": "The image {path} is not shaped like a page ({width}x{height} pixels); scan the whole page again.",
    },
    "table_not_found": {
        "es": "No se encontró la tabla de la cédula en la imagen; escanee de nuevo la hoja completa.",
        "en": "The cédula table was not found in the image; scan the whole page again.",
    },
    # --- confirmation -----------------------------------------------------------------------
    "move_not_allowed": {
        "es": "No se puede «{event}» cuando la fila está «{state}».",
        "en": "Cannot '{event}' while the row is '{state}'.",
    },
    "unknown_field": {"es": "Campo desconocido: {field}.", "en": "Unknown field: {field}."},
    "otra_needs_comment": {
        "es": "La inconsistencia «otra» necesita un comentario.",
        "en": "The 'otra' inconsistency needs a comment.",
    },
    "record_invalid": {"es": "{reason}.", "en": "{reason}."},
    "rows_pending": {
        "es": "Faltan filas por confirmar: {rows}.",
        "en": "Rows still to confirm: {rows}.",
    },
    "folio_missing": {
        "es": "Falta el folio de la cédula; escríbalo antes de confirmar.",
        "en": "The cédula folio is missing; type it before confirming.",
    },
    # --- bulk import ------------------------------------------------------------------------
    "csv_not_utf8": {
        "es": "El archivo no está en UTF-8 (byte {byte} no válido; parece {guess}). Guárdelo como «CSV UTF-8».",
        "en": "The file is not UTF-8 (invalid byte {byte}; looks like {guess}). Save it as 'CSV UTF-8'.",
    },
    "csv_utf16": {
        "es": "El archivo está en UTF-16. Guárdelo como «CSV UTF-8».",
        "en": "The file is UTF-16. Save it as 'CSV UTF-8'.",
    },
    "csv_empty": {"es": "El archivo está vacío.", "en": "The file is empty."},
    "csv_too_large": {
        "es": "El archivo {path} es demasiado grande ({mb} MB, máximo {limit}); divídalo en varios archivos.",
        "en": "The file {path} is too large ({mb} MB, at most {limit}); split it into several files.",
    },
    "csv_unreadable": {
        "es": "No se pudo leer el archivo {path}.",
        "en": "Could not read the file {path}.",
    },
    "csv_delimiter": {
        "es": "El separador del archivo parece ser {found}, pero se espera {expected}. Guárdelo separado por comas o use --separador {option}.",
        "en": "The file separator looks like {found} but {expected} is expected. Save it comma-separated or use --separador {option}.",
    },
    "csv_header_missing": {
        "es": "Falta la columna «{column}» en el encabezado.",
        "en": "Column '{column}' is missing from the header.",
    },
    "csv_header_unknown": {
        "es": "Columna desconocida «{column}» en el encabezado.",
        "en": "Unknown column '{column}' in the header.",
    },
    "csv_header_repeated": {
        "es": "La columna «{column}» aparece dos veces en el encabezado.",
        "en": "Column '{column}' appears twice in the header.",
    },
    "csv_field_count": {
        "es": "La fila tiene {found} campos y el encabezado {expected}; revise el separador y las comillas.",
        "en": "The row has {found} fields and the header {expected}; check the separator and quotes.",
    },
    "csv_malformed": {
        "es": "El archivo no se puede leer como CSV desde aquí ({reason}); revise las comillas.",
        "en": "The file cannot be read as CSV from here ({reason}); check the quotes.",
    },
    "csv_clave": {"es": "{reason}.", "en": "{reason}."},
    "csv_apellidos": {
        "es": "Faltan los dos apellidos (se necesita al menos uno).",
        "en": "Both surnames are missing (at least one is required).",
    },
    "csv_nombre": {"es": "Falta el nombre.", "en": "The given name is missing."},
    "csv_referencia": {"es": "Falta el número de referencia.", "en": "The reference number is missing."},
    "csv_referencia_repetida": {
        "es": "El número de referencia {value} ya aparece en la fila {first}.",
        "en": "Reference number {value} already appears in row {first}.",
    },
    "csv_ocr": {"es": "El OCR debe tener 13 dígitos.", "en": "The OCR must have 13 digits."},
    "csv_inconsistencia": {
        "es": "Tipo de inconsistencia desconocido «{value}»; use: cédula en copia, sin copia de credencial, sin leyenda, sin firma u otra.",
        "en": "Unknown inconsistency type '{value}'; use: cédula en copia, sin copia de credencial, sin leyenda, sin firma or otra.",
    },
    "csv_otra_comentario": {
        "es": "La inconsistencia «otra» necesita un comentario.",
        "en": "The 'otra' inconsistency needs a comment.",
    },
    "csv_clave_repetida": {
        "es": "La clave de elector se repite: ya aparece en la fila {first}.",
        "en": "Duplicated clave de elector: it already appears in row {first}.",
    },
    "csv_clave_vista": {
        "es": "La clave de elector ya fue capturada antes en este proceso.",
        "en": "The clave de elector was already captured in this process.",
    },
    "csv_clave_no_coincide": {
        "es": "Aviso: las letras de la clave ({found}) no coinciden con el nombre ({expected}).",
        "en": "Warning: the clave letters ({found}) do not match the name ({expected}).",
    },
    "csv_clave_menor_de_edad": {
        "es": "Aviso: la fecha de nacimiento de la clave indica una persona menor de 18 años.",
        "en": "Warning: the birth date in the clave says the person is under 18.",
    },
    # --- command output ---------------------------------------------------------------------
    "import_refused": {
        "es": "Se encontraron {count} problemas en {path}; no se importó nada (use --only-valid para importar las {valid} filas válidas).",
        "en": "{count} problems found in {path}; nothing was imported (use --only-valid to import the {valid} valid rows).",
    },
    "import_dry_run": {
        "es": "Revisión sin guardar: {valid} filas válidas, {count} problemas.",
        "en": "Dry run: {valid} valid rows, {count} problems.",
    },
    "import_no_vault": {
        "es": "(Sin kiosko dado de alta: no se revisaron claves ya capturadas en la bóveda.)",
        "en": "(No provisioned kiosk: claves already in the vault were not checked.)",
    },
    "import_done": {
        "es": "Se importaron {saved} de {total} filas; {skipped} filas con problemas no se importaron.",
        "en": "Imported {saved} of {total} rows; {skipped} rows with problems were not imported.",
    },
    "import_stopped": {
        "es": "La importación se detuvo en la fila {row} ({reason}); no se guardó ninguna fila: corrija y vuelva a importar el archivo completo.",
        "en": "The import stopped at row {row} ({reason}); no row was saved: fix it and import the whole file again.",
    },
    "import_nothing": {"es": "El archivo no tiene filas de datos.", "en": "The file has no data rows."},
    "more_problems": {
        "es": "… y {count} problemas más (--json los lista todos).",
        "en": "… and {count} more problems (--json lists them all).",
    },
    "problem_line": {"es": "fila {row}, {field}: {reason}", "en": "row {row}, {field}: {reason}"},
}


def text(code: str, lang: str = "es", **params: object) -> str:
    """The sentence for `code` in `lang` (Spanish by default) with its parameters filled in."""
    return lookup(MESSAGES, code, lang, **params)
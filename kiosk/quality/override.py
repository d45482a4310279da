"""Never trap a citizen: after OVERRIDE_AFTER rejections at the same step, the auxiliar may keep
the photo or signature anyway for one of a few reasons; the record carries the reason and the
gate's verdict. The reasons are a catalog (codes stable, sentences Spanish first).
"""

from __future__ import annotations

from kiosk.messages import lookup

OVERRIDE_AFTER = 3

# code -> steps it applies to, and the sentence the auxiliar chooses from.
REASONS: dict[str, dict] = {
    "religious_covering": {"steps": ("photo",),
                           "es": "No puede quitarse una prenda religiosa (velo, turbante, tocado)",
                           "en": "Cannot remove a religious head covering (veil, turban, headdress)"},
    "medical_mask": {"steps": ("photo",),
                     "es": "Usa cubrebocas o vendaje por indicación médica",
                     "en": "Wears a face mask or bandage on medical advice"},
    "medical_glasses": {"steps": ("photo",),
                        "es": "Usa lentes oscuros por indicación médica o por su vista",
                        "en": "Wears dark glasses on medical advice or for their sight"},
    "physical_condition": {"steps": ("photo", "signature"),
                           "es": "Una condición física le impide hacer lo que se pide",
                           "en": "A physical condition prevents doing what is asked"},
    "mark_only": {"steps": ("signature",),
                  "es": "No puede firmar más que una marca o sus iniciales",
                  "en": "Cannot sign beyond a mark or initials"},
    "camera_light": {"steps": ("photo",),
                     "es": "La luz o la cámara del lugar no permiten una foto mejor",
                     "en": "The light or the camera here do not allow a better photo"},
}


def reasons_for(step: str) -> list[str]:
    """The reason codes the auxiliar may choose at `step` ("photo" or "signature"), in order."""
    return [code for code, reason in REASONS.items() if step in reason["steps"]]


def reason_text(code: str, lang: str = "es") -> str:
    return lookup(REASONS, code, lang)

"""The result of a quality gate: accept/reject, one Spanish reason per failed check, and scores.

Both the photo and the signature gates return a `Verdict`; `as_dict()` is the `--json` shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.quality.messages import text

ACCEPT = "accept"
REJECT = "reject"


@dataclass(frozen=True)
class Verdict:
    """`codes` are the catalog codes of the failed checks, `reasons` the same in Spanish."""

    verdict: str
    codes: tuple[str, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_failures(cls, codes: list[str], scores: dict[str, float]) -> "Verdict":
        unique = tuple(dict.fromkeys(codes))
        return cls(REJECT if unique else ACCEPT, unique, {k: round(float(v), 4) for k, v in scores.items()})

    @property
    def accepted(self) -> bool:
        return self.verdict == ACCEPT

    @property
    def reasons(self) -> list[str]:
        return [text(code, "es") for code in self.codes]

    def reasons_in(self, lang: str) -> list[str]:
        return [text(code, lang) for code in self.codes]

    def as_dict(self) -> dict[str, object]:
        return {"verdict": self.verdict, "reasons": self.reasons, "codes": list(self.codes), "scores": self.scores}

"""The scanner contract: `scan()` returns the pages of one run (one for a flatbed or the
camera, several for an automatic document feeder) as BGR uint8 images; `close()` frees it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Page = npt.NDArray[np.uint8]


@runtime_checkable
class Scanner(Protocol):
    """A source of page images."""

    def scan(self) -> list[Page]: ...

    def close(self) -> None: ...

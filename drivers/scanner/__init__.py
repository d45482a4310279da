"""Document scanners behind one protocol: SANE (`scanimage`), camera document mode, simulated.

`scan()` returns a list of pages, each a numpy BGR uint8 image; failures raise DeviceError.
"""

from drivers.scanner.base import Page, Scanner
from drivers.scanner.document import CameraDocumentScanner, detect_page, rectify_page
from drivers.scanner.sane import SaneScanner, list_devices
from drivers.scanner.simulated import SimulatedScanner

__all__ = ["CameraDocumentScanner", "Page", "SaneScanner", "Scanner", "SimulatedScanner",
           "detect_page", "list_devices", "rectify_page"]

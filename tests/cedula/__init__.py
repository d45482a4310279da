"""Tests of the paper-cédula pipeline (kiosk.cedula)."""

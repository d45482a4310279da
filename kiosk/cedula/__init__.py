"""Paper cédulas (régimen de excepción): read a scanned page, confirm it row by row, import CSVs.

`read_page` turns a scan into fields with confidences; `confirm` turns them into ManualRecords.
"""

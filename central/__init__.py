"""Everything that runs at the OPL: the receiver (HTTP, tus, acuses), processing and its CLI
`kiosk-receiver`. The kiosk never imports this package; it imports `kiosk` and `sync.protocol`."""

"""Both ends of the wire: protocol, store-and-forward daemon and the central receiver."""

"""`kiosk` subcommands of the core (each module exposes `add_parser(subparsers)`)."""

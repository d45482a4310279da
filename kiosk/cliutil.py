"""Shared CLI plumbing: Spanish-first help, one-line errors, exit codes."""

from __future__ import annotations

import argparse
import logging
import sys

from kiosk.errors import KioskError
from kiosk.messages import FILE_REASONS, file_reason, text

log = logging.getLogger("kiosk.cli")


class SpanishHelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001 (argparse signature)
        return super().add_usage(usage, actions, groups, "uso / usage: " if prefix is None else prefix)

    def start_section(self, heading):  # noqa: ANN001
        names = {"options": "opciones / options", "positional arguments": "argumentos / arguments"}
        return super().start_section(names.get(heading, heading))


def localize_help(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Spanish-first help for argparse's own -h and for every nested subcommand."""
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            action.help = "muestra esta ayuda y sale / show this help and exit"
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                sub.formatter_class = SpanishHelpFormatter
                localize_help(sub)
    return parser


PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


class JournalFormatter(logging.Formatter):
    """journald's native priority: `<3>` etc. before every line (SyslogLevelPrefix), so errors
    are stored as errors; journald adds the unit, pid and time itself."""

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{PRIORITY.get(record.levelno, 6)}>"
        return "\n".join(prefix + line for line in super().format(record).splitlines())


def setup_logging(verbose: bool, name: str, *, service: bool = False) -> None:
    """Technician log lines: to the journal with priorities when systemd connected our stderr
    to it (JOURNAL_STREAM names our stderr). Otherwise to stderr for a `service` run by hand
    (`kiosk sync` on a console: a link-down run says so) or with -v; else the local syslog
    socket, so the person at a terminal sees only the one-line error and a UI's terminal stays
    clean (under cage, foot passes JOURNAL_STREAM on while our stderr is its pty)."""
    import logging.handlers
    import os

    root = logging.getLogger()
    level = getattr(logging, os.environ.get("APOYO_KIOSK_LOG", "INFO"), logging.INFO)
    handler: logging.Handler
    if _stderr_is_journal():
        handler = logging.StreamHandler()
        handler.setFormatter(JournalFormatter("%(levelname)s %(name)s: %(message)s"))
    elif verbose or (service and "JOURNAL_STREAM" not in os.environ):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(f"%(asctime)s {name}: %(levelname)s %(name)s: %(message)s"))
    elif os.path.exists("/dev/log"):
        handler = logging.handlers.SysLogHandler(address="/dev/log")
        handler.setFormatter(logging.Formatter(f"{name}[%(process)d]: %(levelname)s %(name)s: %(message)s"))
    else:
        handler = logging.NullHandler()
    root.setLevel(logging.DEBUG if verbose else level)
    root.handlers[:] = [handler]


def _stderr_is_journal() -> bool:
    """True when stderr is the very stream systemd handed over (sd_journal_stream_fd(3) rule:
    compare JOURNAL_STREAM's device:inode with our stderr's)."""
    import os

    try:
        device, inode = (int(part) for part in os.environ["JOURNAL_STREAM"].split(":"))
        st = os.fstat(sys.stderr.fileno())
    except (KeyError, ValueError, OSError, AttributeError):
        return False
    return (st.st_dev, st.st_ino) == (device, inode)


EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2  # argparse itself exits 2 on a usage error


def fail(message: str, code: int = EXIT_FAILURE) -> int:
    """Print one line on stderr and return the exit code (1: the command failed; pass
    EXIT_USAGE when the person called it wrongly)."""
    print(f"error: {message}", file=sys.stderr)
    return code


def run_main(parser: argparse.ArgumentParser, argv: list[str] | None) -> int:
    args = localize_help(parser).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KioskError as exc:
        log.debug("command failed", exc_info=True)
        return fail(str(exc))
    except KeyboardInterrupt:
        return fail("interrumpido / interrupted", 130)
    except OSError as exc:  # a file named on the command line (the OS says why in English)
        if exc.filename is None or exc.errno not in FILE_REASONS:
            return _unexpected(args, exc)
        log.warning("cannot open %s: %s", exc.filename, exc)
        return fail(text("file_unreadable", path=exc.filename, reason=file_reason(exc)))
    except UnicodeDecodeError as exc:  # a file read as text (the codec says why in English)
        log.warning("not UTF-8: %s", exc)
        return fail(text("file_not_utf8", byte=f"{exc.object[exc.start]:02X}", position=exc.start))
    except Exception as exc:
        return _unexpected(args, exc)


def _unexpected(args: argparse.Namespace, exc: BaseException) -> int:
    """The technician gets the log line; the person gets one sentence."""
    log.error("unexpected error in %s: %r", getattr(args, "command", "?"), exc, exc_info=log.isEnabledFor(logging.DEBUG))
    return fail(_one_line(exc))


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    detail = text[0] if text else type(exc).__name__
    return f"{detail} ({type(exc).__name__})"

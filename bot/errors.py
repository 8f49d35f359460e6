"""One error type with a title, a message that says what to do, and an exit code."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # something failed (e.g. some files could not be ingested)
    USAGE = 2  # bad command line or bad input file
    MODEL = 3  # model missing, corrupt, or failing
    INDEX = 4  # index missing, empty, locked or damaged
    INTERRUPTED = 130


class NewsbotError(Exception):
    """An expected failure. Printed as one line on stderr, never with a traceback."""

    def __init__(self, title: str, message: str = "", code: ExitCode = ExitCode.FAILURE):
        super().__init__(f"{title}: {message}" if message else title)
        self.title = title
        self.message = message
        self.code = ExitCode(code)

    def one_line(self) -> str:
        text = f"{self.title}: {self.message}" if self.message else self.title
        return " ".join(text.split())


class ModelError(NewsbotError):
    def __init__(self, title: str, message: str = ""):
        super().__init__(title, message, ExitCode.MODEL)


class IndexError_(NewsbotError):
    def __init__(self, title: str, message: str = ""):
        super().__init__(title, message, ExitCode.INDEX)


class UsageError(NewsbotError):
    def __init__(self, title: str, message: str = ""):
        super().__init__(title, message, ExitCode.USAGE)

"""Helpers of the hostile-input tests (test_hostile, test_hostile_disk): the CLI run in-process with
extra environment variables, and the check that a failure is one clear line with the right exit code."""

from __future__ import annotations

import os

from typer.testing import CliRunner

from bot.cli.app import app

runner = CliRunner()
NO_MODEL = "/nonexistent/model.gguf"


def run(*args, **env):
    for k, v in env.items():
        os.environ[k] = v
    try:
        return runner.invoke(app, [str(a) for a in args])
    finally:
        for k in env:
            os.environ.pop(k, None)


def one_line_error(r, code: int, *needles: str) -> str:
    """The command failed with `code` and one line on stderr that names each needle."""
    assert r.exit_code == code, (r.exit_code, r.stdout, r.stderr)
    text = r.stderr.strip()
    assert text.startswith("newsbot: ") and "\n" not in text and "Unexpected" not in text, text
    for n in needles:
        assert n in text, (n, text)
    return text

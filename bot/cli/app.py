"""The `newsbot` command. Each command group lives in its own module; heavy libraries
(llama_cpp, chromadb, onnxruntime, textual) are imported only inside the commands that use them."""

from __future__ import annotations

import os
import sys

import typer
from typer.core import TyperGroup

from bot import __version__
from bot.errors import ExitCode, NewsbotError


class NewsbotGroup(TyperGroup):
    """Turns expected errors into one line on stderr and a documented exit code."""

    def invoke(self, ctx):
        from typer._click.exceptions import ClickException

        try:
            return super().invoke(ctx)
        except NewsbotError as exc:
            _fail(exc.one_line())
            raise typer.Exit(int(exc.code)) from None
        except (KeyboardInterrupt, typer.Abort):
            _fail("Interrupted")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except (typer.Exit, ClickException):
            raise
        except BrokenPipeError:
            # the reader went away (`newsbot ask … | head -1`): stop quietly, as other tools do;
            # stdout points at devnull so Python's own flush at exit does not complain either
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError, AttributeError):  # stdout is no file (a test runner's)
                pass
            raise typer.Exit(int(ExitCode.FAILURE)) from None
        except Exception as exc:
            if os.environ.get("NEWSBOT_DEBUG"):
                raise
            _fail(f"Unexpected error: {type(exc).__name__}: {exc} (run `newsbot --debug ...` for the traceback)")
            raise typer.Exit(int(ExitCode.FAILURE)) from None


def _fail(line: str) -> None:
    sys.stderr.write("newsbot: " + " ".join(str(line).split()) + "\n")
    sys.stderr.flush()


app = typer.Typer(
    cls=NewsbotGroup,
    name="newsbot",
    help="A local, offline bot that answers questions about news articles and writes briefings; every sentence is cited.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"newsbot {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of unexpected errors."),
) -> None:
    if debug:
        os.environ["NEWSBOT_DEBUG"] = "1"


def _register() -> None:
    from bot.cli import ask, brief, doctor, evaluate, ingest, models, stories, tui

    for mod in (models, doctor, ingest, stories, ask, evaluate, brief, tui):
        mod.register(app)


_register()


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    app(args=argv, prog_name="newsbot")

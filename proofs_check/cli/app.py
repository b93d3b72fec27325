"""The ``infgrad`` group and its error handling: every expected error is one line on stderr.

Exit codes: 0 success, 1 a check failed, 2 bad usage or input (also an OS error such as a full
disk, and a request above the memory limit), 3 a request contradicting a theorem's hypotheses,
130 interrupted (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from typing import Iterator, Sequence

import click

from infgrad.atomic import WriteError

from .. import __version__
from ..bounded import run_bounded, time_limit
from infgrad.errors import InfgradError
from .theorem4 import certificate, counterexample
from .experiment import experiment
from .figures import figures
from .report import report
from .sweep import sweep
from .train import train
from .verify import verify


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="infgrad")
def cli() -> None:
    """Check, claim by claim, the theory of "On the Value of Infinite Gradients in
    Variational Autoencoder Models" (Dai, Wenliang, Wipf, NeurIPS 2021).

    \b
    Examples:
      infgrad verify                      # symbolic, exact and property checks
      infgrad verify --claim T2 T5 --json out.json
      infgrad counterexample --h "atan(3*u)" --d 6 --kappa 4 --r 2
      infgrad train --data subspace --d 20 --r 3 --kappa 8 --steps 20000
      infgrad report --profile quick --out r/
    """


for command in (verify, counterexample, certificate, train, experiment, figures, report, sweep):
    cli.add_command(command)


NO_COMMAND = getattr(click.exceptions, "NoArgsIsHelpError", ())   # click >= 8.2: a group called alone

BOUNDED = ("counterexample",)
"""Commands whose work on user formulas runs in a child process under a hard wall-clock limit
(the command's ``--time-limit``, read before the child starts) and memory limit
(``models.memory.default_limit``)."""


def _group_context() -> click.Context:
    """The group's context with its settings (``-h`` as help), as a parent for a subcommand's parser."""
    return click.Context(cli, info_name="infgrad", **cli.context_settings)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; turn every expected error into one line on stderr and an exit code."""
    args = list(argv) if argv is not None else sys.argv[1:]
    if sys.stdout is None:   # file descriptor 1 closed at start-up: what the command prints would be lost unseen
        return fail("standard output is closed; redirect it instead (> /dev/null discards it)", 2)
    with _sigterm_as_ctrl_c():
        return _run(args, bounded=bool(args[:1]) and args[0] in BOUNDED)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt, as Ctrl-C does, so the same clean-up runs (a process pool's
    workers ended, a bounded child killed, no temporary file left; exit 130). Python's default is to
    die at once, and a sweep's or report's pool workers then went on alone. Main thread only."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) is None:
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(args: list[str], bounded: bool = False) -> int:
    try:
        if bounded:   # the same command in a child under the hard limits; it prints its own errors
            from infgrad.models.memory import default_limit

            code = run_bounded(lambda: _run(args), seconds=time_limit(cli.commands[args[0]], args[1:], _group_context()),
                               memory=default_limit(), what=f"infgrad {args[0]}", hint="raise --time-limit "
                               "(the memory limit is half the available memory) or give a simpler formula")
        else:
            code = cli.main(args=args, prog_name="infgrad", standalone_mode=False)
    except (InfgradError, WriteError) as exc:
        return fail(str(exc), exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("infgrad: interrupted", err=True)
        return 130
    except NO_COMMAND as exc:  # `infgrad` or `infgrad certificate` alone: the help, then one line
        click.echo(exc.ctx.get_help())
        return fail(f"{exc.ctx.command_path} needs a command (listed above)", 2)
    except click.ClickException as exc:  # bad usage: one line, exit 2
        return fail(exc.format_message(), 2)
    except OverflowError as exc:  # a backstop: the parameter table bounds every size it knows of
        return fail(f"a number is too large for the arithmetic ({exc})", 2)
    except MemoryError:
        return fail("out of memory: the request is larger than this machine allows; lower the sizes "
                    "or --max-memory", 2)
    except OSError as exc:  # a full disk, a vanished directory: the previous files stay as they were
        where = f" ({exc.filename})" if exc.filename else ""
        return fail(f"{exc.strerror or exc}{where}", 2)
    return code if isinstance(code, int) else 0


MAX_MESSAGE = 1000   # characters of an error message; a hostile argument is not echoed whole


def fail(message: str, code: int) -> int:
    first = " ".join(message.split())  # one line, whatever the message held
    if len(first) > MAX_MESSAGE:       # keep the start and the end (often the allowed values)
        head, tail = MAX_MESSAGE * 2 // 3, MAX_MESSAGE // 4
        first = f"{first[:head]} ... ({len(first) - head - tail} characters left out) ... {first[-tail:]}"
    click.echo(f"infgrad: error: {first}", err=True)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())

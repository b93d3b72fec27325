"""The shape of the saved data a figure reads, checked before it draws (JSON Schema 2020-12).

Each figure module declares ``SCHEMA``: the keys it reads, their types and the bounds its drawing
needs (a log needs a positive number, an error bar a non-negative spread, a histogram a non-empty
list). ``figures.read_data`` checks the document against it and refuses anything else with one
sentence naming the file, the JSON path and what is wrong (:class:`BadShape`, a ``FileRefused``:
``infgrad figures`` exits 2). Keys a figure does not read are never checked, so a run of another
rule version can still be drawn where the keys it has suffice. Drawing code itself catches
nothing: a crash there is a bug of ours, not bad input.

Beyond JSON Schema (``jsonschema`` does the work):

- ``number`` is finite and at most ``MAX_PLOTTED`` in size: NaN, +-inf and 1e308 are refused
  wherever a figure plots a number (matplotlib's margins would overflow); a number
  that may be missing is ``ANYNUM`` (also NaN, +-inf or "nan"), read through ``num``;
- ``"sameLength": [names]`` on an object: those arrays (when present) have one length;
- ``"rectangular": true`` on an array of arrays: every row has one length (a matrix);
- strings the figure prints have at most 400 characters.

Text from the data is drawn as text, never as maths: ``check`` returns the document with every
``$`` in a string escaped (``\\$``), so a saved line that names ``$INFGRAD_MNIST`` neither turns
into mathtext nor breaks the drawing.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Iterable

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match

from infgrad.files import FileRefused

MAX_MESSAGE = 160
MAX_PLOTTED = 1e100   # a plotted number's bound: axis margins and tick steps of 1e308 overflow to inf


class BadShape(FileRefused):
    """Saved data that are valid JSON but not shaped as the figure reads them."""


def _finite(checker: Any, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return abs(value) <= MAX_PLOTTED   # false for NaN; an int is compared exactly (no float overflow)


def _same_length(validator: Any, names: list[str], instance: Any, schema: Any) -> Iterable[ValidationError]:
    if not isinstance(instance, dict):
        return
    lengths = {n: len(instance[n]) for n in names if isinstance(instance.get(n), list)}
    if len(set(lengths.values())) > 1:
        yield ValidationError(f"lists of different lengths: {lengths}")


def _rectangular(validator: Any, on: bool, instance: Any, schema: Any) -> Iterable[ValidationError]:
    if on and isinstance(instance, list):
        lengths = {len(row) for row in instance if isinstance(row, list)}
        if len(lengths) > 1:
            yield ValidationError(f"rows of different lengths {sorted(lengths)[:4]}: not a matrix")


def _real(checker: Any, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return abs(value) <= MAX_PLOTTED or (isinstance(value, float) and not math.isfinite(value))


Validator = validators.extend(
    Draft202012Validator,
    {"sameLength": _same_length, "rectangular": _rectangular},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many({"number": _finite, "real": _real}),
)

# building blocks of the figures' schemas
NUM: dict[str, Any] = {"type": "number"}
POS: dict[str, Any] = {"type": "number", "exclusiveMinimum": 0}
NONNEG: dict[str, Any] = {"type": "number", "minimum": 0}
INT: dict[str, Any] = {"type": "integer"}
STR: dict[str, Any] = {"type": "string", "maxLength": 400}
NAN_WORDS = ("nan", "NaN", "inf", "-inf", "Infinity", "-Infinity")   # how a result may save a missing number
ANYNUM: dict[str, Any] = {"anyOf": [{"type": "real"}, {"enum": list(NAN_WORDS)}]}   # read through num()
SCALAR: dict[str, Any] = {"anyOf": [NUM, STR]}   # only printed
TEXT: dict[str, Any] = {"type": "string"}          # only searched (a rule text for its version), never drawn


def arr(items: dict[str, Any], min_items: int = 1, max_items: int | None = None, **extra: Any) -> dict[str, Any]:
    """An array of ``items``, at least ``min_items`` long (at most ``max_items``)."""
    out = {"type": "array", "items": items, "minItems": min_items, **extra}
    if max_items is not None:
        out["maxItems"] = max_items
    return out


def first(item: dict[str, Any]) -> dict[str, Any]:
    """A non-empty array whose first element is shaped as ``item`` (only that one is read)."""
    return {"type": "array", "prefixItems": [item], "minItems": 1}


def obj(required: dict[str, Any] | None = None, optional: dict[str, Any] | None = None,
        same_length: Iterable[str] = ()) -> dict[str, Any]:
    """An object with the ``required`` keys (and, when present, the ``optional`` ones) of those
    shapes; other keys are not looked at."""
    required, optional = required or {}, optional or {}
    out: dict[str, Any] = {"type": "object", "properties": {**optional, **required}, "required": list(required)}
    if same_length:
        out["sameLength"] = list(same_length)
    return out


PAIR = arr(NUM, 2, 2)
ANYPAIR = arr(ANYNUM, 2, 2)
INTERVAL = obj({"mean": ANYNUM, "ci95": ANYPAIR})   # a summary with its 95% interval (NaN when it had no values)
SPREAD = obj({"mean": ANYNUM, "sd": {"anyOf": [NONNEG, ANYNUM]}})   # a summary with its standard deviation


def num(value: Any) -> float:
    """A number the schema let through as ``ANYNUM`` (a finite or non-finite number, or "nan"), as a float."""
    return float(value)


def where(path: Iterable[Any]) -> str:
    """A JSON path as text: ``pairs[0].learned.final``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the top level"


def refuse(path: str | Path, at: Iterable[Any] | str, problem: str) -> BadShape:
    """The :class:`BadShape` for ``path`` with ``problem`` at ``at`` (a JSON path); one line."""
    at = at if isinstance(at, str) else where(at)
    problem = " ".join(str(problem).split())
    if len(problem) > MAX_MESSAGE:
        problem = problem[:MAX_MESSAGE - 3] + "..."
    return BadShape(f"saved data {path} is not shaped as the figure reads it: at {at}: {problem}")


def check(document: Any, schema: dict[str, Any], path: str | Path) -> Any:
    """``document`` (its strings' ``$`` escaped) when it has the shape ``schema`` describes, else
    :class:`BadShape`."""
    error = best_match(Validator(schema).iter_errors(document))
    if error is None:
        return _escaped(document)
    problem = error.message
    if len(problem) > MAX_MESSAGE:   # the message quotes the value: name the test it fails instead
        problem = (f"a {type(error.instance).__name__} that fails {error.validator} "
                   f"{json.dumps(error.validator_value)[:80]}")
    raise refuse(path, error.absolute_path, problem)


def _escaped(value: Any) -> Any:
    """``value`` with ``$`` in its strings as ``\\$`` (matplotlib then draws a dollar, not maths)."""
    if isinstance(value, str):
        return value.replace("$", r"\$") if "$" in value else value
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value

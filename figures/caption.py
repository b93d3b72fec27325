"""Where a figure's numbers come from, in the words its title gives: profile, seeds, rule version.

The rule version is read from the rule texts the experiment saved beside its numbers (the v3 rules
name themselves, "T12 (Sec. 4, Fig. 4(a), v3)"). A run whose rules carry no version predates v3:
the figure says so, and draws only what that run saved (no premise line, no v3 statistic).
"""

from __future__ import annotations

import re
from typing import Any, Iterable

VERSION = re.compile(r"\bv(\d+)\b")
OLD = "rules before v3"


def _version(rules: Any) -> int | None:
    texts = rules.values() if isinstance(rules, dict) else [rules]
    found = [int(v) for text in texts if isinstance(text, str) for v in VERSION.findall(text)]
    return max(found) if found else None


def rules_version(rules: Any) -> str:
    """``"rules v3"`` for rule texts that name v3 (the highest version named), else ``OLD``."""
    version = _version(rules)
    return f"rules v{version}" if version is not None else OLD


def is_v3(rules: Any) -> bool:
    """Whether the rule texts name v3 or later."""
    return (_version(rules) or 0) >= 3


def seeds_text(seeds: Iterable[Any]) -> str:
    """``"seeds 0-2"`` for a run of consecutive seeds, ``"seeds 0, 3, 7"`` otherwise, ``"seed 5"`` for one."""
    values = sorted({int(s) for s in seeds if not isinstance(s, bool) and
                     (isinstance(s, int) or (isinstance(s, float) and s.is_integer()))})
    if not values:
        return "seeds not saved"
    if len(values) == 1:
        return f"seed {values[0]}"
    if values[-1] - values[0] + 1 == len(values):   # distinct and sorted: consecutive
        return f"seeds {values[0]}-{values[-1]}"
    return "seeds " + ", ".join(str(v) for v in values)


def provenance(profile: Any, seeds: Iterable[Any], rules: Any) -> str:
    """``"quick profile, seeds 0-2, rules v3"``; a run before v3 adds that it predates them."""
    version = rules_version(rules)
    tail = version if is_v3(rules) else f"{version} (the run predates v3: no premise line, no v3 statistic)"
    where = f"{profile} profile" if isinstance(profile, str) else "profile not saved"
    return f"{where}, {seeds_text(seeds)}, {tail}"


def suptitle(fig: Any, text: str, fontsize: float = 9) -> Any:
    """``fig.suptitle(text)`` with each line wrapped to the figure's width (a title wider than the
    figure would widen the saved image instead)."""
    import textwrap

    chars = max(40, int(fig.get_figwidth() * 72 / (fontsize * 0.56)))
    lines = [textwrap.fill(line, chars) for line in text.splitlines()]
    return fig.suptitle("\n".join(lines), fontsize=fontsize)

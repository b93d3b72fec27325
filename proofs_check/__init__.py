"""infgrad: executable checks of the theory in Dai, Wenliang & Wipf (NeurIPS 2021).

``infgrad.proofs_check`` holds the claims and their checks (``claims/``), the empirical
experiments (``experiments/``), the Theorem 4 certificates (``theorem4/``: the generator and the
small trusted kernel), the report, and on top the command line (``cli/``). It may import
``figures``, ``models``, ``theory`` and the ground floor; only ``cli`` sits above it.
"""

__version__ = "0.2.0"

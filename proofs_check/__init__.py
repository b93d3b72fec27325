"""infgrad: executable checks of the theory in Dai, Wenliang & Wipf (NeurIPS 2021).

``infgrad.proofs_check`` holds the claims registry, the experiments, the report, the
Theorem 4 certificates and the command-line interface; ``infgrad.theory`` holds the
symbolic mathematics, ``infgrad.models`` the torch VAE and training engine,
``infgrad.figures`` the plots. The public API is in ``infgrad`` itself.
"""

__version__ = "0.2.0"

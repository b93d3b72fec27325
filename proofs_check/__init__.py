"""infgrad: executable checks of the theory in Dai, Wenliang & Wipf (NeurIPS 2021).

The package ``proofs_check`` holds the claims registry, the report writer, the
Theorem 4 certificates and the command-line interface; ``theory`` holds the
symbolic mathematics, ``models`` the torch VAE, ``figures`` the plots.
"""

__version__ = "0.1.0"

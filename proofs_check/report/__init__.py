"""The report: one typed model of a run's results, rendered as Markdown, HTML and a terminal table.

``model`` builds the :class:`~.model.Report` once; ``markdown`` and ``html_page`` render pages from
it, ``terminal`` the rich table, the JSON document and the exit code; ``run`` is what
``infgrad report`` does (run the checks, draw the figures, write the files). The package may import
the claims, the figures and the ground floor, never the command line.
"""

from .model import Report, build, environment  # noqa: F401
from .terminal import document, exit_code, print_table, results_table, write_document  # noqa: F401

"""Performance harness: ``python -m benchmarks.run [--only NAME] [--json PATH]`` (not installed with the package)."""

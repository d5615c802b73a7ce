"""ndr: bounce mail (NDR/DSN) and header analysis for postmasters."""

__version__ = "0.1.0"

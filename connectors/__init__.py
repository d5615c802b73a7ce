"""Connectors yield raw messages as bytes with a stable reference; they never decode mail."""

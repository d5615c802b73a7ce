"""Parsers for the headers of any message: Received chain, authentication results, anti-spam verdicts."""

"""Keyword in, narrated audio guide out: the DVC stages and their providers."""

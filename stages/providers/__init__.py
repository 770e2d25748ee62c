"""Providers, one file each, grouped by role: info/, script/ and speech/."""

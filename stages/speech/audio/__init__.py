"""The numpy zone: mastering, assembly, tags and layout; its files, hashed together, are the encoder version."""

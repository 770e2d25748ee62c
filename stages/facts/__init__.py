"""Facts about a keyword: source files, web access and the info providers (the info stage)."""

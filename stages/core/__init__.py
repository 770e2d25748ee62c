"""What every stage shares: params, errors, paths, atomic writes, the content cache, retries, rate limits, progress."""

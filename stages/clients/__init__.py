"""Network access: the OpenAI client, retries, rate limiting, the HTTP status table, web access."""

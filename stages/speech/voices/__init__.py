"""Speech providers, one module each: options, identity, price, credit line, capabilities and synthesis."""

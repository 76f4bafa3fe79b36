"""Domain rules and value types. Pure Python: no Qt, no I/O."""

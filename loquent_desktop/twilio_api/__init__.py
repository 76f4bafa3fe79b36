"""The only code that talks to the `twilio` library: client factory, host routing, retries,
error normalization. Nothing here imports Qt."""

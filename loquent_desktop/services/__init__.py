"""Use cases. Async where they reach Twilio; blocking store and keychain work runs in worker
threads so the GUI loop never waits on disk or D-Bus. No Qt imports."""

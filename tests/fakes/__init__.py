"""Real servers on loopback for integration tests: fake Twilio, an SMTP sink, a Teams receiver.

Each runs in a background thread on 127.0.0.1 with an ephemeral port and works as a context
manager; ``tests.fakes.fixtures`` wraps them as pytest fixtures.
"""

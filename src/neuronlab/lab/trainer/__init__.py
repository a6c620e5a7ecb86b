"""The live trainer: one session per WebSocket.

protocol, session, setup, view, registry, link (the pacing), routes."""

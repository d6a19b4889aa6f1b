"""Helpers shared by the tests and by the build scripts (``make pdf``)."""

"""Drives the real Pulumi CLI on this project through the Automation API (see runner.engine)."""

"""Pulumi dynamic providers for WeChat mini-programs (import-side-effect free)."""

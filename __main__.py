"""Pulumi program: read the stack's specs and declare resources; nothing else."""

from providers.noop import Noop

Noop("engine-probe", "hello")

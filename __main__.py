"""Pulumi program: read the stack's specs and declare resources; nothing else."""

from pathlib import Path

from providers.program import declare_stack

declare_stack(Path(__file__).resolve().parent)

"""The limits a formula is held to (the integrator fills them from settings)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_length: int = 4000  # characters of formula text
    max_depth: int = 50  # nesting of parentheses, calls and operators
    max_text: int = 32767  # characters of any text a formula makes
    max_steps: int = 10_000  # node evaluations per cell


DEFAULT = Limits()

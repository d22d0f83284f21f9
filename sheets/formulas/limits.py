"""The limits a formula is held to (the integrator fills them from settings)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_length: int = 4000  # characters of formula text
    max_depth: int = 50  # nesting of parentheses, calls and operators
    max_text: int = 32767  # characters of any text a formula makes
    max_steps: int = 10_000  # node evaluations per cell

    def __post_init__(self):
        # The tree is compiled and evaluated recursively: a few Python frames per level.
        if not 1 <= self.max_depth <= 200:
            raise ValueError("Limits.max_depth must be between 1 and 200")
        for name in ("max_length", "max_text", "max_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"Limits.{name} must be positive")


DEFAULT = Limits()

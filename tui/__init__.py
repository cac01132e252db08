"""dubao (读报): a terminal reader for Chinese newspapers."""

__version__ = "0.1.0"

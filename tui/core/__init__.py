"""The core: text and the model of a library, reading order, layout of an article, strings."""

"""The reader on Textual: the app, its screens, widgets, messages and themes."""

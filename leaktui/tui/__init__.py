"""The terminal UI (Textual). The analysis core never imports this package."""

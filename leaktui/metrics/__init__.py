"""Live memory: read a metrics file the service appends to, and judge whether it grows.
No UI imports here."""

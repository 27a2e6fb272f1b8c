"""leaktui: find memory leaks in Node.js services from V8 heap snapshots."""

__version__ = "0.1.0"

"""Taking heap snapshots and sampling heap profiles from a running Node process through its
inspector (Chrome DevTools Protocol over WebSocket). No UI imports here."""

"""Built by a later issue; see docs/decisions.md."""

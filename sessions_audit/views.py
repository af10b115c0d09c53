"""Views of the sessions_audit app."""

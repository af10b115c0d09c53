"""Views of the resources app."""

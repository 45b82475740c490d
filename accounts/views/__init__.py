"""Views of the CSM's workspace, one module per page family (thin: resolve, validate a form, call a service)."""

"""Forms of the CSM's workspace, one module per page family; one form per action."""

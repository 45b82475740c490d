"""What every page family uses: htmx-aware answers (`http`), the form renderer and its Python widgets
(`forms`, `widgets`), organization URLs (`reverse`), cursor paging (`cursors`) and the shell's template context
(`context_processors`)."""

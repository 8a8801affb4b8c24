"""The portal's pages: thin views that check a permission and call the pipeline."""

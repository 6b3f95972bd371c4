"""Inside a snapshot: browse, find, diff, view and extract its files without downloading it."""

"""Sources: readers that turn a declared source (CSV, Excel, SQLite, JSON lines) into rows."""

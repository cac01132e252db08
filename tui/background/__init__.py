"""Work off the UI thread: the process pool, the read-ahead, the loader, the index builder."""

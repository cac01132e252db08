"""What dubao keeps for the reader: reading state, settings, and where its folders are."""

"""`dubao serve`: the paper over SSH, one reader process per session."""

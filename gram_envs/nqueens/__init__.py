"""N-Queens family."""

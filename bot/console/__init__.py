"""The agent console: log in, watch the queue, take and answer handed-off conversations."""

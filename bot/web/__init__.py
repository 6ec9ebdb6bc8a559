"""The demo shop server and the chat box's static files."""

"""The customer-service assistant: store, NLU components, channels, web and CLI."""

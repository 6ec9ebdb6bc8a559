"""The `cim` command line: run the product, seed the store, issue demo tokens, check the data."""

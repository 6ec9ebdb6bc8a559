"""The product's processes started and watched: what `cim run` runs (`stack`, `prod`, `tls`)
under one `supervisor`. A package of its own because both the `cim` command (tools/cli) and the
benchmarks and simulations (tools/evaluation) start the product the same way; it imports
neither, so cli -> evaluation -> processes has no way back."""

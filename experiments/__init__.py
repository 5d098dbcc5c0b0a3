"""juwei's experiment layer: scenarios, seeds, executors, the results store, checks and the CLI."""

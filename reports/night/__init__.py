"""The nightly computation, one module per step; ``run.run`` shows their order."""

"""The ``ringfence`` command line: one module per command group, calling service functions."""

"""The ``ringfence`` command line: one module per group of commands, all calling service functions."""

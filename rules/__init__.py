"""dqlint's built-in rules, one module each.

They register through the ``dqlint.rules`` entry-point group in ``pyproject.toml``, exactly as a
third-party plugin package would; the engine never imports this package by name.
"""

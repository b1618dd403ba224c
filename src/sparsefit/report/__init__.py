"""Rendering of sparsefit's results: text tables and self-contained HTML reports."""

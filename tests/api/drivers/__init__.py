"""Drivers for the permission matrix: the world it runs in, and one thin driver per protocol.

A driver knows how its protocol performs each operation over HTTP and which status code answers each
domain outcome; the rules themselves (who may read, write, manage) live once, in the matrix.
"""

"""Gettext catalogs (Babel) for every text the system itself writes, and the locale logic.

A leaf package: it imports nothing from ``dispatch`` or ``workers``. See ``README.md`` here.
"""

"""Alert templates: alerts prepared and reviewed per language before the crisis, with typed
``{placeholders}`` filled in, formatted for each language, when an incident is declared.

``fields`` (kinds, placeholders, values), ``models``, ``service`` (write, review), ``render``
(fill in for a declaration), ``library`` (the starter library in ``library/*.toml``), ``api``.
"""

"""E-mail that comes back: the edge behind ``dispatch mail-in`` (bounces and replies)."""

"""Reply codes: the four digits a member quotes in an SMS (``OK 4821``, ``NEI 4821``), each
naming one open incident or one coming meeting at a time."""

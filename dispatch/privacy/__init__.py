"""Privacy: a contact's data exported, a contact erased, and retention of delivery details."""

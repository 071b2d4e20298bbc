"""Commands that belong to no subsystem of their own (``extract``)."""

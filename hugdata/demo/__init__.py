"""Demo tenants for `make run`: three small but realistic source databases, written by us."""

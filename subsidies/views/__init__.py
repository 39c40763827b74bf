"""Pages of the subsidies app (SPEC §6): the office's, the staff's and the members' own."""

"""Import runs of rosters (SPEC §7.4). Built with the imports part of the registry."""

"""Life events across agencies: a group of interconnected procedures filed once, as linked
dossiers each settled by its own agency (docs/groups.md)."""

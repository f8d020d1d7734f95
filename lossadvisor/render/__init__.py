"""Rich renderings for people, one module per area; never used for --json output."""

"""The knowledge base: YAML rule files, their validation (load) and matching (engine)."""

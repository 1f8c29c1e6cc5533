"""The web UI for officers, analysts and investigators (service issue)."""

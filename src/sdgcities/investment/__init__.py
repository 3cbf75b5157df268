"""The city investment facility: project intake (IATI core) and the IATI activity export."""

"""The OpenAI request bodies as text segments: what classify reads and protect rewrites."""

from sovgate.messages.segments import extract_segments, replace_segments

__all__ = ["extract_segments", "replace_segments"]

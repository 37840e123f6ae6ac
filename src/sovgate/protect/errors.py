"""The one error protect raises: a span that must be masked cannot be."""

from __future__ import annotations


class ProtectionError(Exception):
    """A span that must be pseudonymized for this provider cannot be; do not send the request.

    The message says where the span is (JSON path, entity type, never the value) and
    what the client or operator can do about it. The gateway maps it to a 4xx error
    (or tries the next eligible provider that may see the data in the clear).
    """

    def __init__(self, message: str, *, path: tuple[str | int, ...] = (), kind: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.kind = kind

"""Local fake upstreams speaking each provider's real wire format, recording what they received."""

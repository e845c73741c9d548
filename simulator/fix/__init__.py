"""FIX: framing, the sans-I/O session layer, its asyncio transport, and the facility dialects."""

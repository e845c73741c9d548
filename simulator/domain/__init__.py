"""Facility-neutral domain types: trade reports, their lifecycle and identifiers.

Nothing here knows FIX tags, HTML or sockets; dialects and the web layer convert at the edge.
"""

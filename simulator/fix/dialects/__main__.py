"""``python -m simulator.fix.dialects``: regenerate the shipped QuickFIX data dictionaries."""

from __future__ import annotations

from simulator.fix.dialects import write_dictionaries

if __name__ == "__main__":
    for path in write_dictionaries():
        print(path)

"""YAML with line numbers, so a data file's errors name the file, the line and the field.

Scenario data (UAT scripts, firms, instruments) is edited by testers, not programmers; a
mistake must be reported as ``scenarios/uat/2021-03-20.yaml:42: field 'side': ...``, never as a
traceback. :func:`load_yaml` returns plain dicts and lists whose mappings are :class:`Node`
dicts that remember the line of each key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from simulator.errors import ConfigError


class Node(dict[str, Any]):
    """A mapping from a YAML file that knows where it and each of its keys were written."""

    path: str = ""
    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    def error(self, message: str, key: str | None = None) -> ConfigError:
        return ConfigError(
            self.path, message, line=self.line_of(key) if key else self.line, field=key
        )


class _LineLoader(yaml.SafeLoader):
    path = ""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Node:
    loader.flatten_mapping(node)
    result = Node()
    result.path = loader.path
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if key in result:
            raise ConfigError(
                loader.path,
                "appears twice in the same block",
                line=key_node.start_mark.line + 1,
                field=key,
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Keep dates and times as the text the tester wrote: the harness parses them exactly (ns, ET).
_LineLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(path: Path) -> Any:
    """Parse ``path``; syntax errors become :class:`ConfigError` with the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), "does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), f"cannot be read: {exc}") from None
    loader = _LineLoader(text)
    loader.path = str(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(str(path), f"is not valid YAML: {exc.problem}", line=line) from None
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), f"is not valid YAML: {exc}") from None
    finally:
        loader.dispose()

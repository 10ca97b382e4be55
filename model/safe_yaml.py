"""YAML read within limits: a size cap, and anchors/aliases expanding to at most a node budget.

`yaml.safe_load` builds no arbitrary objects, but it reads a file of any size (a link to an
endless device never returns) and an alias bomb (each level repeating the previous one ten
times) is a few hundred bytes that expands to billions of nodes when the data is walked.
Aliases themselves stay legal (a shared `set` block is ordinary YAML); what they expand to
is counted on the composed node graph before any Python object is built.
"""
from __future__ import annotations

import yaml

# A scenarios file is a few kB. The pure-Python parser takes about 10 s per MiB of small values;
# libyaml's (yaml.CSafeLoader) is faster but recurses in C: deep nesting crashes the process.
MAX_BYTES = 256 << 10
MAX_NODES = 100_000  # scalars, lists and mappings after expanding every alias


class _Loader(yaml.SafeLoader):
    """yaml's safe loader, except that a scalar starting with '+' stays text: '+0.5' in a
    scenario's `set:` block is a relative override (add 0.5), not the number 0.5."""

    yaml_implicit_resolvers = {k: v for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items() if k != "+"}


class YamlLimitError(Exception):
    """The file breaks a limit or cannot be read as YAML; the message says which."""


def read_limited(path, limit: int = MAX_BYTES) -> bytes:
    """At most `limit` bytes of `path`; YamlLimitError if there are more (or it never ends)."""
    with open(path, "rb") as fh:
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        raise YamlLimitError(f"is larger than {limit // 1024} kB (a scenarios file is a few kB)")
    return raw


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GBK (GB18030), as the CSV files are read."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Nodes the document has when every alias is expanded; YamlLimitError above `limit` or when
    an alias refers to a node that contains it (a document that never ends)."""
    size: dict[int, int] = {}
    # iterative depth-first walk: (node, children done?)
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if isinstance(node, yaml.ScalarNode):
            size[key] = 1
            continue
        kids = ([c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode) else list(node.value))
        if done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in kids)
            if size[key] > limit:
                raise YamlLimitError(f"holds more than {limit:,} values once its anchors and aliases are expanded "
                                     "(a scenarios file holds a few hundred)")
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise YamlLimitError(f"line {node.start_mark.line + 1}: an alias refers to a block that contains it")
        open_nodes.add(key)
        stack.append((node, True))
        for c in kids:
            if id(c) in open_nodes:
                raise YamlLimitError(f"line {c.start_mark.line + 1}: an alias refers to a block that contains it")
            if id(c) not in size:
                stack.append((c, False))
    return size[id(root)]


def load(path, max_bytes: int = MAX_BYTES, max_nodes: int = MAX_NODES):
    """The YAML document in `path` as Python data (yaml.SafeLoader), within the limits.

    Raises YamlLimitError with a message that completes "<file> ..." for a file too large,
    undecodable, not YAML, nested too deeply, or expanding beyond `max_nodes`.
    """
    raw = read_limited(path, max_bytes)
    try:
        text = _decode(raw)
    except UnicodeDecodeError:
        raise YamlLimitError("cannot be decoded as UTF-8 or GBK: save it as UTF-8") from None
    loader = None
    try:
        loader = _Loader(text)  # (its reader refuses control characters here)
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node, max_nodes)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        hint = ("; a relative override such as *0.7 must be quoted: '*0.7'"
                if any(w in str(exc.problem or "") for w in ("undefined alias", "expected alphabetic or numeric"))
                else "")
        raise YamlLimitError(f"is not valid YAML ({where}{exc.problem or exc.context}{hint})") from None
    except yaml.YAMLError as exc:
        raise YamlLimitError(f"is not valid YAML ({' '.join(str(exc).split())})") from None
    except RecursionError:
        raise YamlLimitError("is nested too deeply to be a scenarios file") from None
    except ValueError as exc:  # a value the constructor cannot build (an integer of 5,000 digits)
        raise YamlLimitError(f"holds a value that cannot be read ({exc})") from None
    finally:
        if loader is not None:
            loader.dispose()

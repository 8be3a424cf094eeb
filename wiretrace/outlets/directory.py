"""The curated outlet directory (outlets.yaml): load, validate, and look outlets up by domain or name.

Validation is strict because a typo here silently splits or merges outlets in every count downstream:
unknown keys, duplicate ids, domains, aliases or collection names, and collections naming outlets that
do not exist are all refused with a message that names the entry.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wiretrace.clean.metadata import normalise_agency

DEFAULT_DIRECTORY = Path(__file__).with_name("outlets.yaml")
SUPPORTED_VERSIONS = (1,)

_DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_OUTLET_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class OutletDirectoryError(ValueError):
    """outlets.yaml is malformed; the message names the file and the entry."""


def name_key(text: str) -> str:
    """How names and aliases are compared: case-folded, inner white space collapsed."""
    return re.sub(r"\s+", " ", text).strip().casefold()


class OutletEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str = Field(min_length=1)
    domains: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    wire_affiliations: tuple[str, ...] = ()
    notes: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _OUTLET_ID.match(value):
            raise ValueError(f"id {value!r} must be lowercase letters, digits, '.', '_' or '-'")
        return value

    @field_validator("domains")
    @classmethod
    def _domains(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not _DOMAIN.match(value) or value.startswith("www."):
                raise ValueError(f"domain {value!r} must be a lowercase host name without scheme, path or www.")
        return values

    @field_validator("wire_affiliations")
    @classmethod
    def _agencies(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        normalised = []
        for value in values:
            agency = normalise_agency(value)
            if agency is None:
                raise ValueError(f"wire affiliation {value!r} is not an agency the cleaner knows "
                                 "(wiretrace/clean/metadata.py)")
            normalised.append(agency)
        return tuple(dict.fromkeys(normalised))


class CollectionEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    description: str | None = None
    outlets: tuple[str, ...] = Field(min_length=1)


class DirectoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    outlets: tuple[OutletEntry, ...] = ()
    collections: tuple[CollectionEntry, ...] = ()


@dataclass(frozen=True)
class OutletDirectory:
    """The validated directory with its lookup tables."""

    outlets: tuple[OutletEntry, ...]
    collections: tuple[CollectionEntry, ...]
    source: str
    by_id: dict[str, OutletEntry]
    by_domain: dict[str, str]  # domain -> outlet id
    by_name: dict[str, str]  # name_key(alias or display name) -> outlet id
    collections_of: dict[str, tuple[str, ...]]  # outlet id -> collection names

    def match_domain(self, host: str) -> str | None:
        """The listed outlet publishing under ``host`` or a parent domain of it (news.x.com -> x.com)."""
        parts = host.split(".")
        for start in range(len(parts) - 1):
            hit = self.by_domain.get(".".join(parts[start:]))
            if hit:
                return hit
        return None

    def match_name(self, name: str) -> str | None:
        return self.by_name.get(name_key(name))


def _duplicates(pairs: list[tuple[str, str]], what: str, source: str) -> None:
    seen: dict[str, str] = {}
    for value, owner in pairs:
        if value in seen and seen[value] != owner:
            raise OutletDirectoryError(f"{source}: {what} {value!r} is claimed by both {seen[value]!r} and {owner!r}")
        if value in seen:
            raise OutletDirectoryError(f"{source}: {what} {value!r} is listed twice in {owner!r}")
        seen[value] = owner


def parse_directory(data: object, source: str = "outlets.yaml") -> OutletDirectory:
    """Validate a parsed YAML document; raises OutletDirectoryError naming the offending entry."""
    try:
        spec = DirectoryFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = _describe_location(data, err["loc"])
            problems.append(f"{where}: {err['msg']}")
        raise OutletDirectoryError(f"{source} is invalid:\n  " + "\n  ".join(problems)) from None
    if spec.version not in SUPPORTED_VERSIONS:
        raise OutletDirectoryError(f"{source}: version {spec.version} is not supported ({SUPPORTED_VERSIONS})")

    _duplicates([(o.id, o.id) for o in spec.outlets], "outlet id", source)
    _duplicates([(d, o.id) for o in spec.outlets for d in o.domains], "domain", source)
    # An outlet's own name may equal one of its aliases; across outlets every name must be unique.
    names = [(k, o.id) for o in spec.outlets for k in dict.fromkeys(name_key(n) for n in (o.name, *o.aliases))]
    _duplicates(names, "name or alias", source)
    _duplicates([(name_key(c.name), c.name) for c in spec.collections], "collection name", source)
    ids = {o.id for o in spec.outlets}
    collections_of: dict[str, list[str]] = {}
    for collection in spec.collections:
        for outlet_id in collection.outlets:
            if outlet_id not in ids:
                raise OutletDirectoryError(f"{source}: collection {collection.name!r} lists outlet {outlet_id!r}, "
                                           "which is not in outlets")
            collections_of.setdefault(outlet_id, []).append(collection.name)
    return OutletDirectory(
        outlets=spec.outlets,
        collections=spec.collections,
        source=source,
        by_id={o.id: o for o in spec.outlets},
        by_domain={d: o.id for o in spec.outlets for d in o.domains},
        by_name=dict(names),
        collections_of={k: tuple(v) for k, v in collections_of.items()},
    )


def load_directory(path: str | Path | None = None) -> OutletDirectory:
    """Load and validate outlets.yaml (the copy shipped in this package unless ``path`` is given)."""
    path = Path(path) if path is not None else DEFAULT_DIRECTORY
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise OutletDirectoryError(f"{path}: not valid YAML: {exc}") from None
    return parse_directory(data, source=str(path))


def _describe_location(data: object, loc: tuple) -> str:
    """'outlets[3] (id themoscowtimes.com).domains[0]' instead of pydantic's bare tuple."""
    parts = []
    node = data
    for step in loc:
        if isinstance(step, int):
            label = f"[{step}]"
            try:
                node = node[step]
                if isinstance(node, dict) and ("id" in node or "name" in node):
                    label += f" ({'id' if 'id' in node else 'name'} {node.get('id', node.get('name'))})"
            except (TypeError, IndexError, KeyError):
                node = None
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return "".join(parts) or "top level"

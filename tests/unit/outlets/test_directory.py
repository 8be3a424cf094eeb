"""outlets.yaml: the shipped file loads; malformed files are refused with a message naming the entry."""

import pytest
import yaml

from wiretrace.outlets import DEFAULT_DIRECTORY, OutletDirectoryError, load_directory, outlet_id_for_key, parse_directory


def _spec(**changes):
    spec = {"version": 1,
            "outlets": [{"id": "example.com", "name": "Example", "domains": ["example.com"], "aliases": ["Ex"]},
                        {"id": "other.org", "name": "Other", "domains": ["other.org"]}],
            "collections": [{"name": "Examples", "outlets": ["example.com"]}]}
    spec.update(changes)
    return spec


def test_shipped_directory_loads_with_collections():
    directory = load_directory()
    assert directory.source == str(DEFAULT_DIRECTORY)
    assert "Ukrainian regional press" in {c.name for c in directory.collections}
    assert directory.by_id["themoscowtimes.com"].wire_affiliations == ("AFP",)


def test_lookup_by_subdomain_alias_and_case():
    directory = parse_directory(_spec())
    assert outlet_id_for_key("news.example.com", directory) == ("example.com", True)
    assert outlet_id_for_key("  ex ", directory) == ("example.com", True)
    assert outlet_id_for_key("EXAMPLE", directory) == ("example.com", True)  # display name matches too
    assert outlet_id_for_key("notexample.com", directory) == ("notexample.com", False)
    assert outlet_id_for_key("Some Folder/Name", directory) == ("some-folder-name", False)


@pytest.mark.parametrize("spec, message", [
    (_spec(outlets=[{"id": "a.com", "name": "A", "homepage": "x"}]), "homepage"),
    (_spec(extra=1), "extra"),
    (_spec(outlets=[{"id": "a.com", "name": "A"}, {"id": "a.com", "name": "B"}]), "outlet id 'a.com'"),
    (_spec(outlets=[{"id": "a.com", "name": "A", "domains": ["a.com"]},
                    {"id": "b.com", "name": "B", "domains": ["a.com"]}]), "domain 'a.com' is claimed by both"),
    (_spec(outlets=[{"id": "a.com", "name": "A", "aliases": ["Same"]},
                    {"id": "b.com", "name": "B", "aliases": ["same"]}]), "name or alias 'same'"),
    (_spec(collections=[{"name": "C", "outlets": ["missing.com"]}]), "lists outlet 'missing.com'"),
    (_spec(collections=[{"name": "C", "outlets": ["example.com"]}, {"name": "c", "outlets": ["other.org"]}]),
     "collection name"),
    (_spec(outlets=[{"id": "a.com", "name": "A", "domains": ["https://a.com/"]}]), "domain"),
    (_spec(outlets=[{"id": "a.com", "name": "A", "wire_affiliations": ["Bloomberg Opinion Desk"]}]), "wire affiliation"),
    (_spec(outlets=[{"id": "a.com", "name": "A", "country": "Ukraine"}]), "country"),
    (_spec(version=2), "version 2"),
])
def test_malformed_directory_is_refused(spec, message):
    with pytest.raises(OutletDirectoryError, match=message):
        parse_directory(spec)


def test_error_names_the_entry(tmp_path):
    bad = _spec(outlets=[{"id": "ok.com", "name": "Ok"}, {"id": "bad.com", "name": "Bad", "domain": ["bad.com"]}])
    path = tmp_path / "outlets.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(OutletDirectoryError) as err:
        load_directory(path)
    assert "outlets[1] (id bad.com).domain" in str(err.value)
    assert str(path) in str(err.value)


def test_wire_affiliation_spellings_are_normalised():
    directory = parse_directory(_spec(outlets=[{"id": "a.com", "name": "A",
                                                "wire_affiliations": ["Agence France-Presse", "AFP", "reuters"]}],
                                      collections=[]))
    assert directory.by_id["a.com"].wire_affiliations == ("AFP", "Reuters")

-- raw: what the nightly ingest read from the inbox, byte for byte, and what it refused and why.
-- Written by the raw/documents asset from wiretrace.ingest.scan_inbox(); one partition per ingest_date.
CREATE SCHEMA IF NOT EXISTS raw;

CREATE TABLE IF NOT EXISTS raw.documents (
    document_id    VARCHAR NOT NULL,
    source_path    VARCHAR NOT NULL,
    source_url     VARCHAR,
    record_index   BIGINT NOT NULL,
    outlet         VARCHAR NOT NULL,
    outlet_source  VARCHAR NOT NULL,
    format         VARCHAR NOT NULL,
    content_type   VARCHAR NOT NULL,
    encoding       VARCHAR NOT NULL,
    raw_bytes      BLOB NOT NULL,
    raw_text       VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    byte_size      BIGINT NOT NULL,
    title_hint     VARCHAR,
    published_hint VARCHAR,
    ingest_date    DATE NOT NULL,
    run_id         VARCHAR,
    PRIMARY KEY (ingest_date, document_id)
);
COMMENT ON TABLE raw.documents IS 'One row per ingested record: a text/markdown/HTML file, one object of a JSON or JSON Lines file, one HTML response of a WARC archive, or one RSS/Atom item. Original bytes kept, encoding detected, content hashed. Every input of the night is either here or in raw.rejects.';
COMMENT ON COLUMN raw.documents.document_id IS 'Stable id: first 16 hex of sha256(source_key NUL record_index NUL content_sha256), where source_key is source_url when the record has one, else source_path. Same bytes at the same place give the same id on every rerun; also the article_id downstream.';
COMMENT ON COLUMN raw.documents.source_path IS 'Path of the input file relative to the inbox (partition folder), with forward slashes. Bytes of non-UTF-8 file names appear as \xNN.';
COMMENT ON COLUMN raw.documents.source_url IS 'URL of the record: WARC-Target-URI, the JSON url field or the feed item link; null for plain files.';
COMMENT ON COLUMN raw.documents.record_index IS 'Position of the record inside its file: 0 for single-record files, the list position for a JSON list, the 0-based line number for JSON Lines, the record number for WARC (counting every record), the item number for feeds.';
COMMENT ON COLUMN raw.documents.outlet IS 'Publisher the record is attributed to: the URL host (lowercase, www. stripped), else the JSON source field, else the first folder under the inbox (inbox/<outlet>/file), else the file name without extension. See outlet_source; later stages may refine it.';
COMMENT ON COLUMN raw.documents.outlet_source IS 'Where outlet came from: url | json | folder | file (file is a weak guess).';
COMMENT ON COLUMN raw.documents.format IS 'Input format: txt | md | html | json | jsonl | warc | feed (gzip-compressed files carry the format of their content).';
COMMENT ON COLUMN raw.documents.content_type IS 'What raw_text is and how the cleaner treats it: text | markdown | html.';
COMMENT ON COLUMN raw.documents.encoding IS 'Python codec name with which raw_bytes decodes to raw_text (e.g. utf-8, utf-8-sig, utf-16, cp1251, cp1252). Detected from the byte-order mark, strict UTF-8, the declared charset (HTTP header or meta tag), then charset-normalizer. JSON and feed payloads are stored as utf-8.';
COMMENT ON COLUMN raw.documents.raw_bytes IS 'Original bytes of the record payload: the whole file (decompressed if .gz), the WARC HTTP body without HTTP headers and content-encoding, or the UTF-8 of the JSON text/html field or feed item content.';
COMMENT ON COLUMN raw.documents.raw_text IS 'raw_bytes decoded with encoding; never empty or whitespace only. HTML is kept as markup for the cleaner.';
COMMENT ON COLUMN raw.documents.content_sha256 IS 'sha256 of raw_bytes as 64 lowercase hex: identical payloads share it across outlets and nights.';
COMMENT ON COLUMN raw.documents.byte_size IS 'Length of raw_bytes in bytes.';
COMMENT ON COLUMN raw.documents.title_hint IS 'Title as found without cleaning: JSON title, feed item title, the HTML <title>, or a markdown leading # heading; null when none. The cleaner lifts the real title.';
COMMENT ON COLUMN raw.documents.published_hint IS 'Publication date string exactly as found (JSON published, feed published/updated, HTML article:published_time meta); not parsed; null when none.';
COMMENT ON COLUMN raw.documents.ingest_date IS 'The night (partition) the document was ingested.';
COMMENT ON COLUMN raw.documents.run_id IS 'Dagster run that wrote the row; join meta.runs for code version and settings.';

CREATE TABLE IF NOT EXISTS raw.rejects (
    reject_id      VARCHAR NOT NULL,
    source_path    VARCHAR NOT NULL,
    record_index   BIGINT NOT NULL,
    reason_code    VARCHAR NOT NULL,
    reason         VARCHAR NOT NULL,
    byte_size      BIGINT,
    content_sha256 VARCHAR,
    ingest_date    DATE NOT NULL,
    run_id         VARCHAR,
    PRIMARY KEY (ingest_date, reject_id)
);
COMMENT ON TABLE raw.rejects IS 'Inputs (files, or records inside multi-record files) the ingest refused, each with a short code and a sentence saying what is wrong and what to do. Nothing is dropped silently: an input absent from raw.documents is here.';
COMMENT ON COLUMN raw.rejects.reject_id IS 'Stable id: first 16 hex of sha256(source_path NUL record_index NUL reason_code).';
COMMENT ON COLUMN raw.rejects.source_path IS 'Path of the input relative to the inbox, forward slashes (a folder when the folder itself could not be listed).';
COMMENT ON COLUMN raw.rejects.record_index IS 'Record position inside the file (as in raw.documents); 0 for a whole-file reject. For damaged WARC/JSON Lines streams, the first record that could not be read.';
COMMENT ON COLUMN raw.rejects.reason_code IS 'Short code: empty, binary, too_large, decompression_bomb, corrupt_gzip, malformed_warc, invalid_json, wrong_type, missing_content, xml_entities, malformed_feed, unsupported_format, symlink_outside_inbox, symlink_directory, broken_symlink, not_a_file, vanished, unreadable, duplicate, internal_error (a bug: report it).';
COMMENT ON COLUMN raw.rejects.reason IS 'A sentence for a human: what is wrong with this input and what to do about it.';
COMMENT ON COLUMN raw.rejects.byte_size IS 'Size in bytes of what was examined (the file on disk, or the record); null when unknown (links, unreadable records).';
COMMENT ON COLUMN raw.rejects.content_sha256 IS 'sha256 (64 hex) of the bytes read when the whole input was read before refusing it; null when it was refused without reading (too large, links) or is a record.';
COMMENT ON COLUMN raw.rejects.ingest_date IS 'The night (partition) the input was refused.';
COMMENT ON COLUMN raw.rejects.run_id IS 'Dagster run that wrote the row; join meta.runs for code version and settings.';

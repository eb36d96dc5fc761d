-- A source file that cannot be read at all (bad or truncated gzip, a missing or unreadable object)
-- costs only itself: it is recorded with status 'failed' and the reason, without views, and the
-- rest of its (platform, day) is committed. Rows written before this migration were all loaded.
ALTER TABLE ingested_files_v1
    ADD COLUMN IF NOT EXISTS status LowCardinality(String) DEFAULT 'loaded' COMMENT 'loaded, or failed: the file could not be read' AFTER malformed;

ALTER TABLE ingested_files_v1
    ADD COLUMN IF NOT EXISTS reason String DEFAULT '' COMMENT 'why a failed file could not be read' AFTER status;

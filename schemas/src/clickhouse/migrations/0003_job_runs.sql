-- The history `ctr status` reads without Redis: one row per backfill or daily run that a process of the
-- embedded deployment ran itself (ctr backfill, ctr daily, ctr demo, POST /jobs/backfill of ctr serve).
-- Queued runs (REDIS_URL) keep their status in the queue instead.
CREATE TABLE IF NOT EXISTS job_runs_v1
(
    id                  String COMMENT 'the job id: backfill.<from>.<to>.<platforms>..., daily.<date>',
    kind                LowCardinality(String) COMMENT 'backfill or daily',
    from_day            Date,
    to_day              Date,
    platforms           Array(LowCardinality(String)),
    started_at          DateTime64(3, 'UTC'),
    finished_at         DateTime64(3, 'UTC'),
    ok                  Bool COMMENT 'every step succeeded',
    files               UInt64,
    bytes               UInt64,
    events              UInt64,
    views               UInt64,
    ignored             UInt64,
    malformed           UInt64,
    view_rows           UInt64,
    committed_days      UInt64,
    purchase_rows       UInt64,
    purchases           UInt64,
    failures            Array(String) COMMENT '<step>: <message> of each failed step',
    refused             Array(String) COMMENT '<step>: <message> of each day refused (not replaced with less)',
    failed_files        Array(Tuple(String, String, String, String)) COMMENT 'files that could not be read: (platform, day, file, reason)',
    malformed_locations Array(Tuple(String, String, String)) COMMENT 'the first malformed records: (file, position, reason)'
)
ENGINE = MergeTree
ORDER BY (started_at, id);

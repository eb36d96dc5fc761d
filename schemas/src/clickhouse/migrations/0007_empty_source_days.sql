-- The (platform, day)s a run listed and found no event files for (no folder, or an empty one), so that
-- /coverage tells "listed, nothing there" from "never loaded". A row is added by the commit of such a
-- day when the day has none yet; a day that has files is shown from ingested_files_v1 whatever this
-- table holds. A few bytes per platform-day: no partitions.
CREATE TABLE IF NOT EXISTS empty_source_days_v1
(
    day       Date COMMENT 'the folder day (UTC)',
    platform  LowCardinality(String),
    listed_at DateTime64(3, 'UTC') COMMENT 'when a run first found the day without event files'
)
ENGINE = ReplacingMergeTree(listed_at)
ORDER BY (day, platform);

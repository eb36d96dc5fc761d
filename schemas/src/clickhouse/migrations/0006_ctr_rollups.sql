-- What /ctr reads when the request falls on an hour or a GMT-3 day (query-api's ctr_tier.ts): views
-- and purchases side by side, summed per hour or per GMT-3 day, one partition per month of the
-- periods' GMT-3 days. A one-product day is then one part and one read, with no UNION of two tables:
-- less engine time than the per-source rollups of 0004, which split a GMT-3 day over 12 views partitions
-- (docs/BENCHMARKS.md). A GMT-3 day gathers several source partitions (the views of up to
-- four folder days, three platforms; the purchases of its day), so a partition replacement of a
-- source cannot rebuild it from its own staged rows: every change of a source refreshes the GMT-3
-- days it touches afterwards, from the 0004 rollups (ctr_rollup_refresh.ts). `minute` is the first
-- minute of the hour or of the GMT-3 day (03:00 UTC), as in every tier; the partition key is
-- computed from it, so a range prunes the partitions without a second filter.

CREATE TABLE IF NOT EXISTS ctr_per_hour_v1
(
    platform  LowCardinality(String),
    minute    DateTime('UTC') COMMENT 'start of the hour',
    product   String,
    views     UInt64,
    purchases UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(toDate(minute, 'Etc/GMT+3'))
ORDER BY (product, platform, minute);

CREATE TABLE IF NOT EXISTS ctr_per_day_v1 AS ctr_per_hour_v1
ENGINE = MergeTree PARTITION BY toYYYYMM(toDate(minute, 'Etc/GMT+3')) ORDER BY (product, platform, minute);

ALTER TABLE ctr_per_day_v1 COMMENT COLUMN minute 'start of the GMT-3 day (03:00 UTC)';

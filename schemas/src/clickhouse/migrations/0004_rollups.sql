-- Coarse rollups of the per-minute tables: the same counts summed per hour and per GMT-3 day, which
-- /ctr reads when the request's buckets and range fall on their grain (query-api's ctr_tier.ts).
-- Each has its per-minute source's columns, partition key and `day`, so the partition replacement
-- that rewrites a source partition rewrites the rollups' same partition from the same staged rows
-- (replace_partition.ts: materialized views do not fire on REPLACE PARTITION). `minute` is the
-- first minute of the row's hour or GMT-3 day: the three tiers are read by one query shape.
-- A store migrated with data already in the per-minute tables gets its rollups filled from them by
-- the migration run itself (fillMissingRollups).

CREATE TABLE IF NOT EXISTS product_views_per_hour_v1
(
    day      Date COMMENT 'UTC day of the source folder',
    platform LowCardinality(String),
    minute   DateTime('UTC') COMMENT 'start of the hour of the views',
    product  String,
    views    UInt64
)
ENGINE = MergeTree
PARTITION BY (day, platform)
ORDER BY (product, minute);

CREATE TABLE IF NOT EXISTS product_views_per_day_v1
(
    day      Date COMMENT 'UTC day of the source folder',
    platform LowCardinality(String),
    minute   DateTime('UTC') COMMENT 'start of the GMT-3 day of the views (03:00 UTC)',
    product  String,
    views    UInt64
)
ENGINE = MergeTree
PARTITION BY (day, platform)
ORDER BY (product, minute);

CREATE TABLE IF NOT EXISTS purchases_per_hour_v1
(
    day       Date COMMENT 'GMT-3 day of the orders',
    platform  LowCardinality(String),
    minute    DateTime('UTC') COMMENT 'start of the hour of the purchases',
    product   String,
    purchases UInt64
)
ENGINE = MergeTree
PARTITION BY day
ORDER BY (product, platform, minute);

CREATE TABLE IF NOT EXISTS purchases_per_day_v1
(
    day       Date COMMENT 'GMT-3 day of the orders',
    platform  LowCardinality(String),
    minute    DateTime('UTC') COMMENT 'start of the GMT-3 day of the purchases (03:00 UTC)',
    product   String,
    purchases UInt64
)
ENGINE = MergeTree
PARTITION BY day
ORDER BY (product, platform, minute);

-- Coarse rollups of the per-minute tables: the same counts summed per hour and per GMT-3 day, which
-- /ctr reads when the request's buckets and range fall on their grain (query-api's ctr_tier.ts).
-- Each has its per-minute source's columns (created AS it), partition key (the month of `day`) and `day`, so the
-- replacement that rewrites a source's day rewrites the rollups' same day from the same staged rows
-- (replace_partition.ts: materialized views do not fire on REPLACE PARTITION). `minute` is the
-- first minute of the row's hour or GMT-3 day: the three tiers are read by one query shape.
-- A store migrated with data already in the per-minute tables gets its rollups filled from them by
-- the migration run itself (fillMissingRollups).

CREATE TABLE IF NOT EXISTS product_views_per_hour_v1 AS product_views_per_minute_v1
ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY (product, platform, minute);

ALTER TABLE product_views_per_hour_v1 COMMENT COLUMN minute 'start of the hour of the views';

CREATE TABLE IF NOT EXISTS product_views_per_day_v1 AS product_views_per_minute_v1
ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY (product, platform, minute);

ALTER TABLE product_views_per_day_v1 COMMENT COLUMN minute 'start of the GMT-3 day of the views (03:00 UTC)';

CREATE TABLE IF NOT EXISTS purchases_per_hour_v1 AS purchases_per_minute_v1
ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY (product, platform, minute);

ALTER TABLE purchases_per_hour_v1 COMMENT COLUMN minute 'start of the hour of the purchases';

CREATE TABLE IF NOT EXISTS purchases_per_day_v1 AS purchases_per_minute_v1
ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY (product, platform, minute);

ALTER TABLE purchases_per_day_v1 COMMENT COLUMN minute 'start of the GMT-3 day of the purchases (03:00 UTC)';

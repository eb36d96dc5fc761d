-- Product views per minute. `day` is the UTC day of the source folder: a commit of a
-- (platform, day) replaces exactly its rows (a slice of its month's partition), so re-runs never
-- double count. Partitions are months (store_layout.ts holds the keys an older store is rebuilt to).
CREATE TABLE IF NOT EXISTS product_views_per_minute_v1
(
    day      Date COMMENT 'UTC day of the source folder',
    platform LowCardinality(String),
    minute   DateTime('UTC') COMMENT 'start of the UTC minute of the views',
    product  String,
    views    UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (product, platform, minute);

-- Purchases per minute. `day` is the GMT-3 calendar day of order_date: a purchase sync of a
-- day replaces exactly its rows (a slice of its month's partition).
CREATE TABLE IF NOT EXISTS purchases_per_minute_v1
(
    day       Date COMMENT 'GMT-3 day of the orders',
    platform  LowCardinality(String),
    minute    DateTime('UTC') COMMENT 'start of the minute of the purchases, as an instant',
    product   String,
    purchases UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (platform, product, minute);

-- What is loaded: one row per source file of a committed (platform, day), replaced with it.
CREATE TABLE IF NOT EXISTS ingested_files_v1
(
    day       Date,
    platform  LowCardinality(String),
    file      String,
    size      UInt64,
    etag      String COMMENT 'S3 ETag, or mtime in ms for a local file',
    batches   UInt64,
    events    UInt64,
    views     UInt64,
    ignored   UInt64,
    malformed UInt64,
    loaded_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, platform, file);

-- One row per purchase sync of a GMT-3 day; the newest wins.
CREATE TABLE IF NOT EXISTS purchase_syncs_v1
(
    day         Date,
    order_items UInt64 COMMENT 'order_items rows of the day that counted',
    unmapped    UInt64 COMMENT 'order_items rows whose device_type maps to no platform',
    excluded    UInt64 COMMENT 'order_items rows left out by PURCHASE_EXCLUDED_STATUSES',
    synced_at   DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(synced_at)
ORDER BY day;

-- The engine's tables on a ClickHouse cluster: the four tables of
-- schemas/src/clickhouse/migrations/0001_per_minute_tables.sql, each as
--   <name>_local : ReplicatedMergeTree on every node, holding its shard's rows, and
--   <name>       : Distributed over the <name>_local tables, with the name the application uses.
-- Columns, partition keys and sort keys are the migration's (test/infra_clickhouse.test.ts checks it).
--
-- Apply once, before `ctr migrate`:
--   clickhouse-client --host <any node> --user <admin> --password --multiquery < infra/clickhouse/cluster.sql
-- `ctr migrate` then finds every table present (CREATE TABLE IF NOT EXISTS) and changes nothing.
--
-- Needs on every node: the macros {cluster}, {shard}, {replica}, ClickHouse Keeper, and
-- <internal_replication>true</internal_replication> on every shard of the cluster definition, so a
-- Distributed insert writes one replica and replication copies it (false would write every replica
-- AND replicate: duplicates). The Altinity operator and ClickHouse Cloud set these up. The database is `ctr` (CLICKHOUSE_DATABASE);
-- for another name, replace `ctr.` and the Distributed engines' second argument.
--
-- Sharding key: cityHash64(product) for the per-minute tables. All rows of one product, views and
-- purchases alike, live on one shard, so:
-- - a /ctr query for one product reads one shard (optimize_skip_unused_shards = 1 prunes the others);
-- - the CTR join of views with purchases per (minute, platform, product) is complete on each shard,
--   and a GROUP BY that contains product can finish there (optimize_distributed_group_by_sharding_key = 1);
-- - with thousands of products and a skewed long tail, the hash spreads rows evenly; the hottest
--   product holds 0.4 % of the views in the real sample (204 of 47,633), far below one shard's share.
-- The key is not the partition key: partitions are (day, platform) on every shard, and a commit
-- replaces the partition on every shard (see README.md, "How a commit stays exact on a cluster").

CREATE DATABASE IF NOT EXISTS ctr ON CLUSTER '{cluster}';

CREATE TABLE IF NOT EXISTS ctr.product_views_per_minute_v1_local ON CLUSTER '{cluster}'
(
    day      Date COMMENT 'UTC day of the source folder',
    platform LowCardinality(String),
    minute   DateTime('UTC') COMMENT 'start of the UTC minute of the views',
    product  String,
    views    UInt64
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY (day, platform)
ORDER BY (product, minute);

CREATE TABLE IF NOT EXISTS ctr.product_views_per_minute_v1 ON CLUSTER '{cluster}'
AS ctr.product_views_per_minute_v1_local
ENGINE = Distributed('{cluster}', ctr, product_views_per_minute_v1_local, cityHash64(product));

CREATE TABLE IF NOT EXISTS ctr.purchases_per_minute_v1_local ON CLUSTER '{cluster}'
(
    day       Date COMMENT 'GMT-3 day of the orders',
    platform  LowCardinality(String),
    minute    DateTime('UTC') COMMENT 'start of the minute of the purchases, as an instant',
    product   String,
    purchases UInt64
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY day
ORDER BY (platform, product, minute);

-- Same key as the views: a product's purchases sit on the shard of its views.
CREATE TABLE IF NOT EXISTS ctr.purchases_per_minute_v1 ON CLUSTER '{cluster}'
AS ctr.purchases_per_minute_v1_local
ENGINE = Distributed('{cluster}', ctr, purchases_per_minute_v1_local, cityHash64(product));

CREATE TABLE IF NOT EXISTS ctr.ingested_files_v1_local ON CLUSTER '{cluster}'
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
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY (day, platform)
ORDER BY file;

-- The manifest: a few thousand rows a day, spread by file. Replaced with the views of its
-- (platform, day), by the same per-shard REPLACE PARTITION.
CREATE TABLE IF NOT EXISTS ctr.ingested_files_v1 ON CLUSTER '{cluster}'
AS ctr.ingested_files_v1_local
ENGINE = Distributed('{cluster}', ctr, ingested_files_v1_local, cityHash64(file));

CREATE TABLE IF NOT EXISTS ctr.purchase_syncs_v1_local ON CLUSTER '{cluster}'
(
    day         Date,
    order_items UInt64 COMMENT 'order_items rows of the day that counted',
    unmapped    UInt64 COMMENT 'order_items rows whose device_type maps to no platform',
    excluded    UInt64 COMMENT 'order_items rows left out by PURCHASE_EXCLUDED_STATUSES',
    synced_at   DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', synced_at)
ORDER BY day;

-- ReplacingMergeTree collapses rows only within one shard: key by day, so every sync of a day lands
-- on the same shard and the newest one wins there (read with FINAL or argMax(…, synced_at)).
CREATE TABLE IF NOT EXISTS ctr.purchase_syncs_v1 ON CLUSTER '{cluster}'
AS ctr.purchase_syncs_v1_local
ENGINE = Distributed('{cluster}', ctr, purchase_syncs_v1_local, toUInt32(day));

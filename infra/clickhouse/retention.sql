-- Optional retention for the engine's tables; not applied by default (see README.md, "Retention and
-- TTL"). A TTL counts from today: data older than the TTL that a backfill or `ctr rebuild` loads
-- is dropped again at the next merge, so keep the TTL longer than any history you intend to load.
-- ttl_only_drop_parts: partitions are days, so an expired day goes as whole parts, with no rewrite.
--
-- Apply to one server, or to any node of the replicated cluster: on a ReplicatedMergeTree these
-- ALTERs go through the table's replication log to every replica.
--   clickhouse-client --user <admin> --password --multiquery < infra/clickhouse/retention.sql

ALTER TABLE ctr.product_views_per_minute_v1
    MODIFY SETTING ttl_only_drop_parts = 1;

ALTER TABLE ctr.product_views_per_minute_v1
    MODIFY TTL day + INTERVAL 25 MONTH;

ALTER TABLE ctr.purchases_per_minute_v1
    MODIFY SETTING ttl_only_drop_parts = 1;

ALTER TABLE ctr.purchases_per_minute_v1
    MODIFY TTL day + INTERVAL 25 MONTH;

-- The rollups keep exactly their sources' days: a rollup day left after its per-minute day expired
-- would answer a coarse request with counts the per-minute tables no longer have.
ALTER TABLE ctr.product_views_per_hour_v1
    MODIFY SETTING ttl_only_drop_parts = 1;

ALTER TABLE ctr.product_views_per_hour_v1
    MODIFY TTL day + INTERVAL 25 MONTH;

ALTER TABLE ctr.product_views_per_day_v1
    MODIFY SETTING ttl_only_drop_parts = 1;

ALTER TABLE ctr.product_views_per_day_v1
    MODIFY TTL day + INTERVAL 25 MONTH;

ALTER TABLE ctr.purchases_per_hour_v1
    MODIFY SETTING ttl_only_drop_parts = 1;

ALTER TABLE ctr.purchases_per_hour_v1
    MODIFY TTL day + INTERVAL 25 MONTH;

ALTER TABLE ctr.purchases_per_day_v1
    MODIFY SETTING ttl_only_drop_parts = 1;

ALTER TABLE ctr.purchases_per_day_v1
    MODIFY TTL day + INTERVAL 25 MONTH;

-- The CTR rollups are partitioned by the GMT-3 day of their periods, which is the purchases' day
-- and within a day of the views' folder day.
ALTER TABLE ctr.ctr_per_hour_v1
    MODIFY SETTING ttl_only_drop_parts = 1;

ALTER TABLE ctr.ctr_per_hour_v1
    MODIFY TTL toDate(minute, 'Etc/GMT+3') + INTERVAL 25 MONTH;

ALTER TABLE ctr.ctr_per_day_v1
    MODIFY SETTING ttl_only_drop_parts = 1;

ALTER TABLE ctr.ctr_per_day_v1
    MODIFY TTL toDate(minute, 'Etc/GMT+3') + INTERVAL 25 MONTH;

ALTER TABLE ctr.ingested_files_v1
    MODIFY SETTING ttl_only_drop_parts = 1;

ALTER TABLE ctr.ingested_files_v1
    MODIFY TTL day + INTERVAL 25 MONTH;

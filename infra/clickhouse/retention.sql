-- Optional retention for the cluster tables; not applied by default (see README.md, "Retention and
-- TTL"). A TTL counts from today: data older than the TTL that a backfill or `ctr rebuild` loads
-- is dropped again at the next merge, so keep the TTL longer than any history you intend to load.
-- ttl_only_drop_parts: partitions are days, so an expired day goes as whole parts, with no rewrite.

ALTER TABLE ctr.product_views_per_minute_v1_local ON CLUSTER '{cluster}'
    MODIFY SETTING ttl_only_drop_parts = 1;

ALTER TABLE ctr.product_views_per_minute_v1_local ON CLUSTER '{cluster}'
    MODIFY TTL day + INTERVAL 25 MONTH;

ALTER TABLE ctr.purchases_per_minute_v1_local ON CLUSTER '{cluster}'
    MODIFY SETTING ttl_only_drop_parts = 1;

ALTER TABLE ctr.purchases_per_minute_v1_local ON CLUSTER '{cluster}'
    MODIFY TTL day + INTERVAL 25 MONTH;

ALTER TABLE ctr.ingested_files_v1_local ON CLUSTER '{cluster}'
    MODIFY SETTING ttl_only_drop_parts = 1;

ALTER TABLE ctr.ingested_files_v1_local ON CLUSTER '{cluster}'
    MODIFY TTL day + INTERVAL 25 MONTH;

-- The store's layout version: the partitioning every table has (store_layout.ts). `migrate` reads
-- it first, and a store at the current version costs no other check: nothing that scans the history
-- runs at start. A store of an older layout is rebuilt table by table to the current one, the rollups
-- it lacks are filled, and then the version is recorded.
CREATE TABLE IF NOT EXISTS store_layout_v1
(
    version    UInt32 COMMENT 'the layout the store has: STORE_LAYOUT_VERSION of store_layout.ts',
    changed_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY version;

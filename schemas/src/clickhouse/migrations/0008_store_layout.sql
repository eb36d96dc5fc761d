-- The store's layout version, in this table's comment (`layout N`): the partitioning every table has
-- (store_layout.ts). `migrate` reads it with the schema, and a store at the current version costs
-- no other check: nothing that scans the history runs at start. A store of an older layout is
-- rebuilt table by table to the current one, the rollups it lacks are filled, and then the comment
-- is set. A comment is metadata: recording it writes no data part, so it fits a nearly full disk.
CREATE TABLE IF NOT EXISTS store_layout_v1
(
    version UInt32
)
ENGINE = MergeTree
ORDER BY tuple()
COMMENT 'layout 0';

-- The data's generation: every change of the tables /ctr reads (a commit of a platform-day, a purchase
-- sync, `ctr rebuild`) adds a row once it is done, and the generation is the sum of `changes`. The
-- API keys its result cache by it, so an answer is never served from before a change it has seen;
-- API replicas in front of one ClickHouse re-read it at most once a second. The rows are summed by
-- merges (AggregatingMergeTree, one sorting key): the table stays one row, and the sum never goes
-- back, unlike a count of rows that a TTL or a cleanup could lower.
CREATE TABLE IF NOT EXISTS data_generations_v1
(
    changes    SimpleAggregateFunction(sum, UInt64) COMMENT '1 per change; the generation is their sum',
    changed_at SimpleAggregateFunction(max, DateTime64(3, 'UTC')) COMMENT 'when the last change was recorded',
    change_id  SimpleAggregateFunction(anyLast, UUID) COMMENT 'random per change: a replicated table drops an insert identical to an earlier one as a duplicate'
)
ENGINE = AggregatingMergeTree
ORDER BY tuple();

-- The platform-days a run committed, so that `ctr status` names them (a daily run commits the days
-- whose files changed, which its date alone does not say). Rows written before this migration have none.
ALTER TABLE job_runs_v1
    ADD COLUMN IF NOT EXISTS committed Array(Tuple(String, String)) COMMENT 'the platform-days committed: (platform, day)' AFTER malformed_locations;

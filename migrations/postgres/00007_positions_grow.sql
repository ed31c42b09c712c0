-- +goose NO TRANSACTION
-- +goose Up
-- Positions come only from the identity column, so they only grow. The
-- service role cannot name a position nor a transaction_id in an INSERT
-- (its INSERT privilege is on the other columns: see fbsessionctl
-- migrate's grants and docs/ROLES.md); this states the invariant in the
-- schema, for every role. NOT VALID, then VALIDATE, outside a
-- transaction: the check of the existing rows then takes a lock that
-- lets appends go on.
ALTER TABLE events ADD CONSTRAINT events_position_positive CHECK (position > 0) NOT VALID;
ALTER TABLE events VALIDATE CONSTRAINT events_position_positive;

-- +goose Down
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_position_positive;

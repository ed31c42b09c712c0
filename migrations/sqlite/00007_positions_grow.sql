-- +goose Up
-- Positions only grow: an insert that names a position below 1, or
-- below a stored one, is refused, so that no event can be slipped in
-- before a signed checkpoint's position. AFTER, not BEFORE: in a BEFORE
-- INSERT trigger an automatic position is not known yet. SQLite has no
-- roles: whoever can write the file can drop this trigger too (see
-- docs/ROLES.md); it guards against mistakes and the service's own SQL.
-- +goose StatementBegin
CREATE TRIGGER events_position_grows AFTER INSERT ON events
WHEN NEW.position <= 0 OR EXISTS (SELECT 1 FROM events WHERE position > NEW.position)
BEGIN
    SELECT RAISE(ABORT, 'events: positions only grow');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER events_position_grows;

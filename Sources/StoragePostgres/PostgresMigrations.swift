/// The district schema, as an ordered list of migrations; the version is the number applied
/// (`kiosk_schema_version`). Append new ones at the end, never edit one that has shipped.
///
/// The tables mirror the terminal's SQLite schema column for column (instants are seconds since
/// 1970 as double precision, local dates `YYYY-MM-DD` in the hall's zone, identity numbers only
/// as a keyed hash and a masked form), so `kiosk db copy` moves rows without converting them.
import Storage

enum PostgresMigrations {
    struct Migration {
        let name: String
        let statements: [String]
    }

    /// Any constant: the advisory lock that makes concurrent `migrate` calls take turns.
    static let lockKey: Int = 0x6B696F736B
    static let installationMigration = "v1-installation"

    static let all: [Migration] = [
        Migration(name: installationMigration, statements: [
            // The district's secret keys the HMAC of identity numbers; one for all terminals, so
            // a citizen's quota is counted the same in every hall.
            """
            CREATE TABLE installation (
                id integer PRIMARY KEY CHECK (id = 1),
                created_at timestamptz NOT NULL,
                secret bytea NOT NULL CHECK (length(secret) = 32))
            """,
        ]),
        Migration(name: "v2-bookings", statements: [
            """
            CREATE TABLE slot_capacity (
                slot_id text PRIMARY KEY,
                service_id text NOT NULL,
                capacity bigint NOT NULL,
                taken bigint NOT NULL DEFAULT 0,
                CHECK (taken >= 0 AND taken <= capacity))
            """,
            """
            CREATE TABLE booking_hold (
                id text PRIMARY KEY,
                slot_id text NOT NULL REFERENCES slot_capacity,
                service_id text NOT NULL,
                date text NOT NULL,
                start double precision NOT NULL,
                "end" double precision NOT NULL,
                expires_at double precision NOT NULL)
            """,
            "CREATE INDEX booking_hold_by_slot_expiry ON booking_hold (slot_id, expires_at)",
            "CREATE INDEX booking_hold_by_expiry ON booking_hold (expires_at)",
            """
            CREATE TABLE booking (
                id text PRIMARY KEY,
                code text NOT NULL UNIQUE,
                slot_id text NOT NULL REFERENCES slot_capacity,
                service_id text NOT NULL,
                date text NOT NULL,
                start double precision NOT NULL,
                "end" double precision NOT NULL,
                id_hash bytea NOT NULL,
                id_masked text NOT NULL,
                status text NOT NULL,
                sequence bigint NOT NULL DEFAULT 0,
                created_at double precision NOT NULL,
                updated_at double precision NOT NULL,
                on_day_off boolean NOT NULL DEFAULT false)
            """,
            "CREATE INDEX booking_by_citizen ON booking (id_hash, status, start)",
            "CREATE INDEX booking_by_date ON booking (date, status)",
            """
            CREATE TABLE idempotency_key (
                key text PRIMARY KEY,
                operation text NOT NULL,
                fingerprint bytea NOT NULL,
                response bytea,
                created_at double precision NOT NULL)
            """,
            """
            CREATE TABLE queue_ticket (
                id bigserial PRIMARY KEY,
                date text NOT NULL,
                prefix text NOT NULL,
                sequence bigint NOT NULL,
                number text NOT NULL,
                service_id text NOT NULL,
                priority text NOT NULL,
                queued_at double precision NOT NULL,
                state text NOT NULL,
                counter text,
                called_at double precision,
                call_count bigint NOT NULL DEFAULT 0,
                booking_id text REFERENCES booking,
                UNIQUE (date, prefix, sequence))
            """,
            "CREATE INDEX queue_ticket_waiting ON queue_ticket (date, state, service_id)",
            // The last ticket number of each day and prefix, taken by one upsert: terminals of
            // the district issue tickets at once without reading a maximum first.
            """
            CREATE TABLE ticket_sequence (
                date text NOT NULL,
                prefix text NOT NULL,
                last bigint NOT NULL,
                PRIMARY KEY (date, prefix))
            """,
            """
            CREATE TABLE rating (
                id bigserial PRIMARY KEY,
                ticket_id bigint NOT NULL UNIQUE REFERENCES queue_ticket,
                service_id text NOT NULL,
                counter text NOT NULL,
                score bigint NOT NULL CHECK (score BETWEEN 1 AND 5),
                reasons text NOT NULL,
                created_at double precision NOT NULL)
            """,
            "CREATE INDEX rating_by_service_counter ON rating (service_id, counter)",
        ]),
        Migration(name: "v3-filings", statements: [
            // Filings of every terminal, sent from each terminal's outbox. The reference is the
            // terminal's (site, terminal, day, sequence), so it is unique across the district and
            // a resent filing is recognised; `arrival` records the order the district got them.
            """
            CREATE TABLE filing (
                reference text PRIMARY KEY,
                terminal_id text NOT NULL,
                form_id text NOT NULL,
                form_version bigint NOT NULL,
                submitted_at double precision NOT NULL,
                document bytea NOT NULL,
                arrival bigserial NOT NULL UNIQUE,
                received_at timestamptz NOT NULL DEFAULT now())
            """,
            "CREATE INDEX filing_by_form ON filing (form_id)",
        ]),
        // What the public screen may do without a sign-in, bounded (issue 14): a hold names its
        // citizen, a ticket keeps the hashes of its rating token and of the ID number it was taken with.
        Migration(name: "v4-public-screen-limits", statements: [
            "ALTER TABLE booking_hold ADD COLUMN id_hash bytea",
            "CREATE INDEX booking_hold_by_citizen ON booking_hold (id_hash, expires_at)",
            "ALTER TABLE queue_ticket ADD COLUMN rating_token_hash bytea",
            "ALTER TABLE queue_ticket ADD COLUMN holder_hash bytea",
        ]),
        Migration(name: "v5-keys-outside", statements: [
            // The district's ID-hashing key leaves the store for every terminal's key directory
            // (`district-id.key`); the store keeps its fingerprint, so a terminal holding another
            // key is refused rather than splitting every citizen's quota in two.
            "ALTER TABLE installation ALTER COLUMN secret DROP NOT NULL",
            "ALTER TABLE installation ADD COLUMN id_key_fingerprint text",
            // The heads of the terminals' audit logs, sent at every start and every hour: an
            // anchor no one with a terminal's disk and key can take back.
            """
            CREATE TABLE audit_anchor (
                terminal_id text NOT NULL,
                sequence bigint NOT NULL,
                mac text NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (terminal_id, sequence))
            """,
        ]),
        // The filing lifecycle (issue 16): the same tables as a terminal's SQLite file.
        Migration(name: "v6-lifecycle", statements: LifecycleSchema.statements(.postgres)),
        Migration(name: "v7-district-settings", statements: [
            // The services, hours and queue settings every terminal of the district must share
            // (`DistrictSettings`): each key's canonical value, their fingerprint, and the terminal
            // that recorded them (the first to start, or the last `kiosk district settings push`).
            """
            CREATE TABLE district_settings (
                id integer PRIMARY KEY CHECK (id = 1),
                fingerprint text NOT NULL,
                settings text NOT NULL,
                recorded_by text NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now())
            """,
        ]),
        // Stored answers start with their layout's version byte; those stored before get version 0.
        Migration(name: "v8-answer-versions", statements: [
            "UPDATE idempotency_key SET response = '\\x00'::bytea || response WHERE response IS NOT NULL",
        ]),
        Migration(name: "v9-queue-events", statements: [
            // The hall's queue changes for the call displays of every terminal, numbered from one
            // row that each recording transaction locks until it commits: numbers follow commit
            // order, so a reader that has seen n has seen everything before n.
            """
            CREATE TABLE queue_event (
                id bigint PRIMARY KEY,
                kind text NOT NULL,
                ticket_id bigint NOT NULL,
                number text NOT NULL,
                service_id text NOT NULL,
                counter text,
                at double precision NOT NULL)
            """,
            "CREATE TABLE queue_event_sequence (id integer PRIMARY KEY CHECK (id = 1), last bigint NOT NULL)",
            "INSERT INTO queue_event_sequence (id, last) VALUES (1, 0)",
        ]),
        // Bookings and cancellations written in one statement each (issue 22), so no lock is held
        // across round trips (see PostgresBookingFunctions.swift). The functions decide nothing:
        // they write only when the rows are still what `BookingRules` judged (`seen_*`), and
        // otherwise answer 'changed' (kiosk_book: with the citizen's rows as it read them).
        // Outcomes: booked or done, answered (the key's earlier request: its answer), changed,
        // full; a booking code that is taken fails the statement (booking_code_key).
        Migration(name: "v10-bookings-in-one-call", statements: [
            // The key first, with the answer: a request with the same key waits here until this
            // one ends; if the key was taken, its request's operation, fingerprint and answer.
            """
            CREATE FUNCTION kiosk_claim(
                request_key text, request_operation text, request_fingerprint bytea, answer bytea, now_seconds double precision,
                OUT claimed boolean, OUT stored_operation text, OUT stored_fingerprint bytea, OUT stored_answer bytea)
            LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO idempotency_key (key, operation, fingerprint, response, created_at)
                VALUES (request_key, request_operation, request_fingerprint, answer, now_seconds)
                ON CONFLICT (key) DO NOTHING;
                claimed := FOUND;
                IF NOT claimed THEN
                    SELECT k.operation, k.fingerprint, k.response INTO stored_operation, stored_fingerprint, stored_answer
                    FROM idempotency_key k WHERE k.key = request_key;
                END IF;
            END
            $$
            """,
            """
            CREATE FUNCTION kiosk_book(
                request_key text, request_operation text, request_fingerprint bytea, answer bytea, now_seconds double precision,
                citizen bytea, citizen_lock bigint, horizon double precision, eligibility_statuses text[],
                seen_services text[], seen_statuses text[], seen_starts double precision[], seen_held text[],
                slot text, service text, slot_places bigint,
                new_id text, new_code text, new_date text, new_start double precision, new_end double precision,
                new_masked text, new_status text,
                OUT outcome text, OUT stored_operation text, OUT stored_fingerprint bytea, OUT stored_answer bytea,
                OUT booked_services text[], OUT booked_statuses text[], OUT booked_starts double precision[],
                OUT held_services text[])
            LANGUAGE plpgsql AS $$
            DECLARE
                claimed boolean;
            BEGIN
                SELECT c.claimed, c.stored_operation, c.stored_fingerprint, c.stored_answer
                INTO claimed, stored_operation, stored_fingerprint, stored_answer
                FROM kiosk_claim(request_key, request_operation, request_fingerprint, answer, now_seconds) c;
                IF NOT claimed THEN
                    outcome := 'answered';
                    RETURN;
                END IF;
                -- Each statement below reads a snapshot taken after the lock it follows was granted.
                PERFORM pg_advisory_xact_lock(citizen_lock);
                SELECT coalesce(array_agg(b.service_id), '{}'), coalesce(array_agg(b.status), '{}'), coalesce(array_agg(b.start), '{}')
                INTO booked_services, booked_statuses, booked_starts
                FROM booking b WHERE b.id_hash = citizen AND b.start > horizon AND b.status = ANY(eligibility_statuses);
                SELECT coalesce(array_agg(h.service_id), '{}') INTO held_services
                FROM booking_hold h WHERE h.id_hash = citizen AND h.expires_at > now_seconds;
                IF cardinality(booked_services) <> cardinality(seen_services) OR cardinality(held_services) <> cardinality(seen_held)
                   OR EXISTS (SELECT * FROM unnest(booked_services, booked_statuses, booked_starts)
                              EXCEPT ALL SELECT * FROM unnest(seen_services, seen_statuses, seen_starts))
                   OR EXISTS (SELECT unnest(held_services) EXCEPT ALL SELECT unnest(seen_held)) THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'changed';
                    RETURN;
                END IF;
                booked_services := NULL; booked_statuses := NULL; booked_starts := NULL; held_services := NULL;
                -- The slot's row, locked (a capacity that has not changed is not written again).
                INSERT INTO slot_capacity AS s (slot_id, service_id, capacity, taken) VALUES (slot, service, slot_places, 0)
                ON CONFLICT (slot_id) DO UPDATE SET capacity = greatest(excluded.capacity, s.taken)
                WHERE s.capacity <> greatest(excluded.capacity, s.taken);
                UPDATE slot_capacity s SET taken = s.taken + 1
                WHERE s.slot_id = slot
                  AND s.taken + (SELECT count(*) FROM booking_hold h WHERE h.slot_id = slot AND h.expires_at > now_seconds) < s.capacity;
                IF NOT FOUND THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'full';
                    RETURN;
                END IF;
                INSERT INTO booking (id, code, slot_id, service_id, date, start, "end", id_hash, id_masked, status,
                                     sequence, created_at, updated_at)
                VALUES (new_id, new_code, slot, service, new_date, new_start, new_end, citizen, new_masked, new_status,
                        0, now_seconds, now_seconds);
                outcome := 'booked';
            END
            $$
            """,
            """
            CREATE FUNCTION kiosk_cancel(
                request_key text, request_operation text, request_fingerprint bytea, answer bytea, now_seconds double precision,
                booking_id text, seen_status text, seen_sequence bigint, seen_on_day_off boolean, new_status text,
                OUT outcome text, OUT stored_operation text, OUT stored_fingerprint bytea, OUT stored_answer bytea)
            LANGUAGE plpgsql AS $$
            DECLARE
                claimed boolean;
                freed text;
            BEGIN
                SELECT c.claimed, c.stored_operation, c.stored_fingerprint, c.stored_answer
                INTO claimed, stored_operation, stored_fingerprint, stored_answer
                FROM kiosk_claim(request_key, request_operation, request_fingerprint, answer, now_seconds) c;
                IF NOT claimed THEN
                    outcome := 'answered';
                    RETURN;
                END IF;
                -- A concurrent change of the row is waited for, then the condition is checked on its new version.
                UPDATE booking b SET status = new_status, sequence = b.sequence + 1, updated_at = now_seconds
                WHERE b.id = booking_id AND b.status = seen_status AND b.sequence = seen_sequence AND b.on_day_off = seen_on_day_off
                RETURNING b.slot_id INTO freed;
                IF NOT FOUND THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'changed';
                    RETURN;
                END IF;
                UPDATE slot_capacity SET taken = taken - 1 WHERE slot_id = freed;
                outcome := 'done';
            END
            $$
            """,
        ]),
        // The desks' and the monthly report's figures on a million filings (`kiosk bench lifecycle`).
        Migration(name: "v11-lifecycle-desk-indexes", statements: LifecycleSchema.deskIndexes(.postgres)),
        Migration(name: "v12-lifecycle-month-count", statements: MonthlySummary.statements(.postgres)),
        // Calls for a member of staff (首问负责) and printed policy sheets, as the terminal's
        // v13-help-requests plus the hall: every staff console of a hall sees and takes its calls.
        Migration(name: "v13-help-requests", statements: [
            """
            CREATE TABLE help_request (
                id text PRIMARY KEY,
                site_id text NOT NULL,
                terminal_id text NOT NULL,
                raised_on text NOT NULL,
                open boolean NOT NULL,
                document text NOT NULL)
            """,
            "CREATE UNIQUE INDEX help_request_one_open ON help_request (site_id, terminal_id) WHERE open",
            "CREATE INDEX help_request_raised_on ON help_request (raised_on)",
            """
            CREATE TABLE policy_print (
                id bigserial PRIMARY KEY,
                policy_id text NOT NULL,
                site_id text NOT NULL,
                terminal_id text NOT NULL,
                printed_on text NOT NULL)
            """,
            "CREATE INDEX policy_print_printed_on ON policy_print (printed_on)",
        ]),
        // The fleet view: each terminal's last heartbeat, one row per terminal, overwritten every
        // minute. Codes and counts only (`TerminalHeartbeat`); `devices` is their JSON.
        Migration(name: "v14-terminal-heartbeat", statements: [
            """
            CREATE TABLE terminal_heartbeat (
                site_id text NOT NULL,
                terminal_id text NOT NULL,
                version text NOT NULL,
                sent_at double precision NOT NULL,
                devices text NOT NULL,
                outbox_pending bigint NOT NULL,
                outbox_refused bigint NOT NULL,
                last_error text,
                PRIMARY KEY (site_id, terminal_id))
            """,
        ]),
        // The supervision desk's counts as sums over days (`kiosk bench lifecycle`).
        Migration(name: "v15-lifecycle-deadline-count", statements: DeadlineSummary.statements(.postgres)),
        Migration(name: "v16-month-count-per-statement", statements: MonthlySummary.postgresStatementTriggers()),
        Migration(name: "v17-deadline-count-per-statement", statements: DeadlineSummary.postgresStatementTriggers()),
        // Indexes a drained outbox kept up for nobody (issue 22): the lifecycle's six, and the
        // filings' by form (filings are read by reference, and in order of arrival).
        Migration(name: "v18-unread-indexes", statements: LifecycleSchema.droppingUnreadIndexes + ["DROP INDEX IF EXISTS filing_by_form"]),
    ]
}

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
        // Department systems' keys for the whole district (`PostgresDepartments`): the API key as
        // a MAC and the webhook secret sealed, both under keys derived from `district-id.key`,
        // which never reaches this database; the webhook's delivery state, pushed by whichever
        // terminal holds the row's lease (`push_holder` until `push_lease_until`).
        Migration(name: "v18-district-departments", statements: [
            """
            CREATE TABLE department (
                id text PRIMARY KEY,
                name text NOT NULL,
                key_mac bytea NOT NULL,
                webhook_url text,
                webhook_secret bytea,
                created_at double precision NOT NULL,
                revoked_at double precision,
                pushed_through bigint NOT NULL DEFAULT 0,
                push_attempts integer NOT NULL DEFAULT 0,
                push_failing_since double precision,
                push_next_at double precision,
                push_last_error text,
                push_holder text,
                push_lease_until double precision)
            """,
            """
            CREATE TABLE webhook_dead_letter (
                id bigserial PRIMARY KEY,
                department_id text NOT NULL,
                webhook_id text NOT NULL,
                reference text NOT NULL,
                change_seq bigint NOT NULL,
                attempts integer NOT NULL,
                first_failed_at double precision NOT NULL,
                dead_at double precision NOT NULL,
                last_error text NOT NULL)
            """,
        ]),
        // Reschedules and check-ins written in one statement each (issue 22), as bookings and
        // cancellations are (v10): the functions write only when the rows are still what
        // `BookingRules` judged (`seen_*`), else answer 'changed'. Outcomes: done, answered (the
        // key's earlier request: its answer), changed, full (a reschedule to a slot with no place).
        Migration(name: "v19-changes-in-one-call", statements: [
            // How `AnswerWriter` writes an integer (8 bytes, little-endian) and a string (its UTF-8
            // length, then its bytes): a check-in's answer holds three values only its statement knows.
            """
            CREATE FUNCTION kiosk_answer_integer(value bigint) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
                SELECT string_agg(set_byte('\\x00'::bytea, 0, ((value >> (8 * i)) & 255)::integer), ''::bytea ORDER BY i)
                FROM generate_series(0, 7) AS i
            $$
            """,
            """
            CREATE FUNCTION kiosk_answer_text(value text) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
                SELECT kiosk_answer_integer(octet_length(convert_to(value, 'UTF8'))) || convert_to(value, 'UTF8')
            $$
            """,
            // `QueuePolicy.ticketNumber`: A001 … A999, then A1000 (tested side by side).
            """
            CREATE FUNCTION kiosk_ticket_number(prefix text, sequence bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
                SELECT prefix || lpad(sequence::text, greatest(3, length(sequence::text)), '0')
            $$
            """,
            // A queue event, numbered from the one row every recording transaction locks until it
            // commits (numbers follow commit order); LISTENers hear of it at the commit.
            """
            CREATE FUNCTION kiosk_queue_event(
                event_kind text, ticket bigint, ticket_number text, service text, counter_name text, at_seconds double precision,
                channel text) RETURNS bigint
            LANGUAGE plpgsql AS $$
            DECLARE
                event bigint;
            BEGIN
                UPDATE queue_event_sequence SET last = last + 1 WHERE id = 1 RETURNING last INTO event;
                INSERT INTO queue_event (id, kind, ticket_id, number, service_id, counter, at)
                VALUES (event, event_kind, ticket, ticket_number, service, counter_name, at_seconds);
                PERFORM pg_notify(channel, event::text);
                RETURN event;
            END
            $$
            """,
            """
            CREATE FUNCTION kiosk_reschedule(
                request_key text, request_operation text, request_fingerprint bytea, answer bytea, now_seconds double precision,
                citizen_lock bigint, booking_id text, seen_status text, seen_sequence bigint, seen_on_day_off boolean, moves boolean,
                slot text, service text, slot_places bigint, new_date text, new_start double precision, new_end double precision,
                OUT outcome text, OUT stored_operation text, OUT stored_fingerprint bytea, OUT stored_answer bytea)
            LANGUAGE plpgsql AS $$
            DECLARE
                claimed boolean;
                left_slot text;
            BEGIN
                SELECT c.claimed, c.stored_operation, c.stored_fingerprint, c.stored_answer
                INTO claimed, stored_operation, stored_fingerprint, stored_answer
                FROM kiosk_claim(request_key, request_operation, request_fingerprint, answer, now_seconds) c;
                IF NOT claimed THEN
                    outcome := 'answered';
                    RETURN;
                END IF;
                -- A booking's start is what the quota and ban checks read of it: it changes under the citizen's lock.
                IF moves THEN
                    PERFORM pg_advisory_xact_lock(citizen_lock);
                END IF;
                -- A concurrent change of the row is waited for, then the condition is checked on its new version.
                SELECT b.slot_id INTO left_slot FROM booking b
                WHERE b.id = booking_id AND b.status = seen_status AND b.sequence = seen_sequence AND b.on_day_off = seen_on_day_off
                FOR UPDATE;
                IF NOT FOUND THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'changed';
                    RETURN;
                END IF;
                -- To the slot it has: nothing is written but the key, which keeps the booking as its answer.
                IF NOT moves THEN
                    outcome := 'done';
                    RETURN;
                END IF;
                -- Both slots' rows are locked in the order of their ids: two reschedules crossing between
                -- the same slots would otherwise each wait for the other.
                IF left_slot < slot THEN
                    PERFORM 1 FROM slot_capacity s WHERE s.slot_id = left_slot FOR UPDATE;
                END IF;
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
                UPDATE slot_capacity s SET taken = s.taken - 1 WHERE s.slot_id = left_slot;
                UPDATE booking b SET slot_id = slot, date = new_date, start = new_start, "end" = new_end, sequence = b.sequence + 1,
                    updated_at = now_seconds, on_day_off = false
                WHERE b.id = booking_id;
                outcome := 'done';
            END
            $$
            """,
            // The answer holds the ticket's id and number and how many wait ahead, which only this
            // statement knows: the client sends the answer's other bytes (`CheckInResult.answerPieces`),
            // and the statement stores and returns the whole. Who waits ahead is counted in call order
            // (`Ticket.callsBefore`: priority rank, then queued at, then id), the ranks sent by the client.
            """
            CREATE FUNCTION kiosk_check_in(
                request_key text, request_operation text, request_fingerprint bytea, now_seconds double precision,
                booking_id text, seen_status text, seen_sequence bigint, seen_on_day_off boolean, new_status text, citizen bytea,
                card_date text, card_statuses text[], card_ids text[], card_sequences bigint[],
                ticket_date text, ticket_prefix text, ticket_service text, ticket_priority text, ticket_queued_at double precision,
                rating_token_hash bytea, waiting text, priorities text[], priority_ranks bigint[], issued text, channel text,
                answer_head bytea, answer_after_id bytea, answer_after_number bytea, answer_tail bytea,
                OUT outcome text, OUT stored_operation text, OUT stored_fingerprint bytea, OUT stored_answer bytea)
            LANGUAGE plpgsql AS $$
            DECLARE
                claimed boolean;
                new_sequence bigint;
                new_number text;
                new_ticket bigint;
                own_rank bigint := priority_ranks[array_position(priorities, ticket_priority)];
                ahead bigint;
            BEGIN
                SELECT c.claimed, c.stored_operation, c.stored_fingerprint, c.stored_answer
                INTO claimed, stored_operation, stored_fingerprint, stored_answer
                FROM kiosk_claim(request_key, request_operation, request_fingerprint, NULL, now_seconds) c;
                IF NOT claimed THEN
                    outcome := 'answered';
                    RETURN;
                END IF;
                -- By card, the rules chose among the citizen's bookings of the day (`card_date`) as read:
                -- the same ones, none changed since (a start changes only with the sequence).
                IF card_date IS NOT NULL AND (
                    (SELECT count(*) FROM booking b WHERE b.id_hash = citizen AND b.date = card_date AND b.status = ANY(card_statuses))
                        <> cardinality(card_ids)
                    OR (SELECT count(*) FROM booking b JOIN unnest(card_ids, card_sequences) AS seen (id, sequence)
                            ON b.id = seen.id AND b.sequence = seen.sequence
                        WHERE b.id_hash = citizen AND b.date = card_date AND b.status = ANY(card_statuses))
                        <> cardinality(card_ids)) THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'changed';
                    RETURN;
                END IF;
                UPDATE booking b SET status = new_status, updated_at = now_seconds
                WHERE b.id = booking_id AND b.status = seen_status AND b.sequence = seen_sequence AND b.on_day_off = seen_on_day_off;
                IF NOT FOUND THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'changed';
                    RETURN;
                END IF;
                INSERT INTO ticket_sequence AS q (date, prefix, last) VALUES (ticket_date, ticket_prefix, 1)
                ON CONFLICT (date, prefix) DO UPDATE SET last = q.last + 1
                RETURNING q.last INTO new_sequence;
                new_number := kiosk_ticket_number(ticket_prefix, new_sequence);
                INSERT INTO queue_ticket (date, prefix, sequence, number, service_id, priority, queued_at, state, booking_id,
                                          rating_token_hash, holder_hash)
                VALUES (ticket_date, ticket_prefix, new_sequence, new_number, ticket_service, ticket_priority, ticket_queued_at,
                        waiting, kiosk_check_in.booking_id, rating_token_hash, citizen)
                RETURNING id INTO new_ticket;
                SELECT count(*) INTO ahead FROM queue_ticket t
                WHERE t.date = ticket_date AND t.state = waiting AND t.service_id = ticket_service
                  AND (priority_ranks[array_position(priorities, t.priority)], t.queued_at, t.id) < (own_rank, ticket_queued_at, new_ticket);
                PERFORM kiosk_queue_event(issued, new_ticket, new_number, ticket_service, NULL, now_seconds, channel);
                stored_answer := answer_head || kiosk_answer_integer(new_ticket) || answer_after_id || kiosk_answer_text(new_number)
                    || answer_after_number || kiosk_answer_integer(ahead) || answer_tail;
                UPDATE idempotency_key SET response = stored_answer WHERE key = request_key;
                outcome := 'done';
            END
            $$
            """,
        ]),
        // Indexes a drained outbox kept up for nobody (issue 22): the lifecycle's six, and the
        // filings' by form (filings are read by reference, and in order of arrival).
        Migration(name: "v20-unread-indexes", statements: LifecycleSchema.droppingUnreadIndexes + ["DROP INDEX IF EXISTS filing_by_form"]),
        // `kiosk db copy` carries a terminal's policy-sheet prints: each copied row keeps the
        // terminal's own row id, so a second copy (after an interruption) finds it and adds nothing.
        // Terminal ids are unique within a hall, so the hall is part of the mark.
        Migration(name: "v21-copied-policy-prints", statements: [
            "ALTER TABLE policy_print ADD COLUMN copied_id bigint",
            "CREATE UNIQUE INDEX policy_print_copied ON policy_print (site_id, terminal_id, copied_id) WHERE copied_id IS NOT NULL",
        ]),
        // Which terminal (`site/terminal`) revoked a department's key: the audit record of a
        // revocation is in that terminal's audit log, which `kiosk departments list` points to.
        Migration(name: "v22-department-revoked-by", statements: ["ALTER TABLE department ADD COLUMN revoked_by text"]),
        // The check-in's ahead count without a pass over the queue (issue 22). v19 counted every
        // waiting ticket of the service while holding the lock every check-in of its prefix takes in
        // turn: a queue of n cost each check-in O(n), all of them O(n²). Who waits is now counted per
        // day, service, priority and minute of `queued_at`, kept by a trigger on every write of a
        // ticket; a check-in adds up at most a day's minutes and counts one by one only the tickets of
        // its own class and minute queued after it. Check-ins of a prefix now queue for the number
        // on an advisory lock (two-key: apart from the citizens' one-key locks), first come first served.
        Migration(name: "v23-queue-waiting-counts", statements: [
            """
            CREATE TABLE queue_waiting (
                date text NOT NULL,
                service_id text NOT NULL,
                priority text NOT NULL,
                minute bigint NOT NULL,
                waiting bigint NOT NULL,
                PRIMARY KEY (date, service_id, priority, minute))
            """,
            """
            CREATE FUNCTION kiosk_queue_minute(queued_at double precision) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
                SELECT floor(queued_at / 60)::bigint
            $$
            """,
            // 'waiting' is `TicketState.waiting` (a test checks the counts against the tickets).
            """
            CREATE FUNCTION queue_waiting_count() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' AND OLD.state = 'waiting' THEN
                    UPDATE queue_waiting w SET waiting = w.waiting - 1
                    WHERE w.date = OLD.date AND w.service_id = OLD.service_id AND w.priority = OLD.priority
                      AND w.minute = kiosk_queue_minute(OLD.queued_at);
                END IF;
                IF TG_OP <> 'DELETE' AND NEW.state = 'waiting' THEN
                    INSERT INTO queue_waiting AS w (date, service_id, priority, minute, waiting)
                    VALUES (NEW.date, NEW.service_id, NEW.priority, kiosk_queue_minute(NEW.queued_at), 1)
                    ON CONFLICT (date, service_id, priority, minute) DO UPDATE SET waiting = w.waiting + 1;
                END IF;
                RETURN NULL;
            END
            $$
            """,
            // The trigger first: it locks the table against writes until the counts below are committed.
            """
            CREATE TRIGGER queue_waiting_count AFTER INSERT OR DELETE OR UPDATE OF date, service_id, priority, queued_at, state
            ON queue_ticket FOR EACH ROW EXECUTE FUNCTION queue_waiting_count()
            """,
            """
            INSERT INTO queue_waiting (date, service_id, priority, minute, waiting)
            SELECT date, service_id, priority, kiosk_queue_minute(queued_at), count(*) FROM queue_ticket WHERE state = 'waiting'
            GROUP BY 1, 2, 3, 4
            """,
            // The waiting tickets of a service in the order of `queued_at`: the counters' reads (date,
            // service, state) and a check-in's count of its own minute. It replaces the index by
            // (date, state, service).
            "CREATE INDEX queue_ticket_waiting_since ON queue_ticket (date, service_id, state, queued_at, id) INCLUDE (priority)",
            "DROP INDEX queue_ticket_waiting",
            // `AnswerWriter`'s integer as one expression, which the planner inlines: v19's aggregate over
            // eight rows ran three times a check-in, under the lock that numbers the service's tickets.
            """
            CREATE OR REPLACE FUNCTION kiosk_answer_integer(value bigint) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
                SELECT set_byte(set_byte(set_byte(set_byte(set_byte(set_byte(set_byte(set_byte('\\x0000000000000000'::bytea,
                    0, (value & 255)::integer), 1, ((value >> 8) & 255)::integer), 2, ((value >> 16) & 255)::integer),
                    3, ((value >> 24) & 255)::integer), 4, ((value >> 32) & 255)::integer), 5, ((value >> 40) & 255)::integer),
                    6, ((value >> 48) & 255)::integer), 7, ((value >> 56) & 255)::integer)
            $$
            """,
            // v19's check-in with the count above and the turns below; the rest unchanged.
            """
            CREATE OR REPLACE FUNCTION kiosk_check_in(
                request_key text, request_operation text, request_fingerprint bytea, now_seconds double precision,
                booking_id text, seen_status text, seen_sequence bigint, seen_on_day_off boolean, new_status text, citizen bytea,
                card_date text, card_statuses text[], card_ids text[], card_sequences bigint[],
                ticket_date text, ticket_prefix text, ticket_service text, ticket_priority text, ticket_queued_at double precision,
                rating_token_hash bytea, waiting text, priorities text[], priority_ranks bigint[], issued text, channel text,
                answer_head bytea, answer_after_id bytea, answer_after_number bytea, answer_tail bytea,
                OUT outcome text, OUT stored_operation text, OUT stored_fingerprint bytea, OUT stored_answer bytea)
            LANGUAGE plpgsql AS $$
            DECLARE
                claimed boolean;
                new_sequence bigint;
                new_number text;
                new_ticket bigint;
                own_rank bigint := priority_ranks[array_position(priorities, ticket_priority)];
                own_minute bigint := kiosk_queue_minute(ticket_queued_at);
                ahead bigint;
            BEGIN
                SELECT c.claimed, c.stored_operation, c.stored_fingerprint, c.stored_answer
                INTO claimed, stored_operation, stored_fingerprint, stored_answer
                FROM kiosk_claim(request_key, request_operation, request_fingerprint, NULL, now_seconds) c;
                IF NOT claimed THEN
                    outcome := 'answered';
                    RETURN;
                END IF;
                -- By card, the rules chose among the citizen's bookings of the day (`card_date`) as read:
                -- the same ones, none changed since (a start changes only with the sequence).
                IF card_date IS NOT NULL AND (
                    (SELECT count(*) FROM booking b WHERE b.id_hash = citizen AND b.date = card_date AND b.status = ANY(card_statuses))
                        <> cardinality(card_ids)
                    OR (SELECT count(*) FROM booking b JOIN unnest(card_ids, card_sequences) AS seen (id, sequence)
                            ON b.id = seen.id AND b.sequence = seen.sequence
                        WHERE b.id_hash = citizen AND b.date = card_date AND b.status = ANY(card_statuses))
                        <> cardinality(card_ids)) THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'changed';
                    RETURN;
                END IF;
                UPDATE booking b SET status = new_status, updated_at = now_seconds
                WHERE b.id = booking_id AND b.status = seen_status AND b.sequence = seen_sequence AND b.on_day_off = seen_on_day_off;
                IF NOT FOUND THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'changed';
                    RETURN;
                END IF;
                -- Check-ins of a prefix take turns in the order they came, one woken at each commit; waiting on
                -- the sequence's row, every waiter woke at every commit to find it taken again.
                PERFORM pg_advisory_xact_lock(hashtext('kiosk_ticket_sequence'), hashtext(ticket_date || ' ' || ticket_prefix));
                INSERT INTO ticket_sequence AS q (date, prefix, last) VALUES (ticket_date, ticket_prefix, 1)
                ON CONFLICT (date, prefix) DO UPDATE SET last = q.last + 1
                RETURNING q.last INTO new_sequence;
                new_number := kiosk_ticket_number(ticket_prefix, new_sequence);
                INSERT INTO queue_ticket (date, prefix, sequence, number, service_id, priority, queued_at, state, booking_id,
                                          rating_token_hash, holder_hash)
                VALUES (ticket_date, ticket_prefix, new_sequence, new_number, ticket_service, ticket_priority, ticket_queued_at,
                        waiting, kiosk_check_in.booking_id, rating_token_hash, citizen)
                RETURNING id INTO new_ticket;
                -- Who waits ahead (`Ticket.callsBefore`), in one snapshot taken after every ticket numbered before
                -- this one was committed: the counts of the classes and minutes before the ticket's and of its own
                -- class and minute, less itself and those of its minute queued after it, counted one by one (in a
                -- hall, almost always none: a walk-in is queued now, an appointment at its start).
                SELECT (SELECT coalesce(sum(w.waiting), 0) - 1
                        FROM queue_waiting w JOIN unnest(priorities, priority_ranks) AS r (priority, rank) ON r.priority = w.priority
                        WHERE w.date = ticket_date AND w.service_id = ticket_service AND (r.rank, w.minute) <= (own_rank, own_minute))
                     - (SELECT count(*) FROM queue_ticket t
                        WHERE t.date = ticket_date AND t.service_id = ticket_service AND t.state = waiting
                          AND (t.queued_at, t.id) > (ticket_queued_at, new_ticket) AND t.queued_at < (own_minute + 1) * 60
                          AND kiosk_queue_minute(t.queued_at) = own_minute
                          AND t.priority = ANY(ARRAY(SELECT r.priority FROM unnest(priorities, priority_ranks) AS r (priority, rank)
                                                     WHERE r.rank = own_rank)))
                INTO ahead;
                PERFORM kiosk_queue_event(issued, new_ticket, new_number, ticket_service, NULL, now_seconds, channel);
                stored_answer := answer_head || kiosk_answer_integer(new_ticket) || answer_after_id || kiosk_answer_text(new_number)
                    || answer_after_number || kiosk_answer_integer(ahead) || answer_tail;
                UPDATE idempotency_key SET response = stored_answer WHERE key = request_key;
                outcome := 'done';
            END
            $$
            """,
        ]),
        // A case has a due date only once accepted (its legal clock runs): every filing arrives
        // without one, so the index of due dates (the month's overdue count reads it, with
        // `due_date BETWEEN …`, which implies a date) need not hold the arrivals (issue 22).
        Migration(name: "v24-due-dates-only", statements: [
            "DROP INDEX lifecycle_case_due",
            "CREATE INDEX lifecycle_case_due ON lifecycle_case (due_date) WHERE due_date IS NOT NULL",
        ]),
        // Holds and their confirmations in one call each (issue 22): the citizens' own path (a hold,
        // then its confirmation), written as bookings are since v10. What `kiosk_book` did first, to the
        // citizen, is now `kiosk_citizen`, which all three call; `kiosk_book` is otherwise unchanged.
        // Outcomes: held or booked, answered, changed (with what was read), full.
        Migration(name: "v25-holds-in-one-call", statements: [
            // Takes the citizen's lock, reads what `BookingRules.checkEligibility` judges of them (less the
            // hold being confirmed, which the booking replaces) and says whether it is what the rules
            // judged: `seen_services` NULL, nothing was judged yet; `seen_held` NULL, their holds are
            // not judged (a new hold replaces them). Each statement reads a snapshot taken after the lock.
            """
            CREATE FUNCTION kiosk_citizen(
                citizen bytea, citizen_lock bigint, horizon double precision, eligibility_statuses text[], now_seconds double precision,
                seen_services text[], seen_statuses text[], seen_starts double precision[], seen_held text[], confirmed_hold text,
                OUT unchanged boolean, OUT booked_services text[], OUT booked_statuses text[], OUT booked_starts double precision[],
                OUT held_services text[])
            LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock(citizen_lock);
                SELECT coalesce(array_agg(b.service_id), '{}'), coalesce(array_agg(b.status), '{}'), coalesce(array_agg(b.start), '{}')
                INTO booked_services, booked_statuses, booked_starts
                FROM booking b WHERE b.id_hash = citizen AND b.start > horizon AND b.status = ANY(eligibility_statuses);
                SELECT coalesce(array_agg(h.service_id), '{}') INTO held_services
                FROM booking_hold h WHERE h.id_hash = citizen AND h.expires_at > now_seconds AND h.id IS DISTINCT FROM confirmed_hold;
                unchanged := seen_services IS NOT NULL AND cardinality(booked_services) = cardinality(seen_services)
                    AND NOT EXISTS (SELECT * FROM unnest(booked_services, booked_statuses, booked_starts)
                                    EXCEPT ALL SELECT * FROM unnest(seen_services, seen_statuses, seen_starts))
                    AND (seen_held IS NULL OR cardinality(held_services) = cardinality(seen_held)
                         AND NOT EXISTS (SELECT unnest(held_services) EXCEPT ALL SELECT unnest(seen_held)));
            END
            $$
            """,
            """
            CREATE OR REPLACE FUNCTION kiosk_book(
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
                unchanged boolean;
            BEGIN
                SELECT c.claimed, c.stored_operation, c.stored_fingerprint, c.stored_answer
                INTO claimed, stored_operation, stored_fingerprint, stored_answer
                FROM kiosk_claim(request_key, request_operation, request_fingerprint, answer, now_seconds) c;
                IF NOT claimed THEN
                    outcome := 'answered';
                    RETURN;
                END IF;
                SELECT c.unchanged, c.booked_services, c.booked_statuses, c.booked_starts, c.held_services
                INTO unchanged, booked_services, booked_statuses, booked_starts, held_services
                FROM kiosk_citizen(citizen, citizen_lock, horizon, eligibility_statuses, now_seconds,
                                   seen_services, seen_statuses, seen_starts, seen_held, NULL) c;
                IF NOT unchanged THEN
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
            // A new hold replaces the citizen's others, but only once it is granted: a refused one leaves
            // them as they were, and they do not compete with it for a place.
            """
            CREATE FUNCTION kiosk_hold(
                request_key text, request_operation text, request_fingerprint bytea, answer bytea, now_seconds double precision,
                citizen bytea, citizen_lock bigint, horizon double precision, eligibility_statuses text[],
                seen_services text[], seen_statuses text[], seen_starts double precision[], seen_held text[],
                slot text, service text, slot_places bigint,
                hold_id text, hold_date text, hold_start double precision, hold_end double precision, hold_expires double precision,
                OUT outcome text, OUT stored_operation text, OUT stored_fingerprint bytea, OUT stored_answer bytea,
                OUT booked_services text[], OUT booked_statuses text[], OUT booked_starts double precision[],
                OUT held_services text[])
            LANGUAGE plpgsql AS $$
            DECLARE
                claimed boolean;
                unchanged boolean;
            BEGIN
                SELECT c.claimed, c.stored_operation, c.stored_fingerprint, c.stored_answer
                INTO claimed, stored_operation, stored_fingerprint, stored_answer
                FROM kiosk_claim(request_key, request_operation, request_fingerprint, answer, now_seconds) c;
                IF NOT claimed THEN
                    outcome := 'answered';
                    RETURN;
                END IF;
                SELECT c.unchanged, c.booked_services, c.booked_statuses, c.booked_starts, c.held_services
                INTO unchanged, booked_services, booked_statuses, booked_starts, held_services
                FROM kiosk_citizen(citizen, citizen_lock, horizon, eligibility_statuses, now_seconds,
                                   seen_services, seen_statuses, seen_starts, seen_held, NULL) c;
                IF NOT unchanged THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'changed';
                    RETURN;
                END IF;
                booked_services := NULL; booked_statuses := NULL; booked_starts := NULL; held_services := NULL;
                -- The citizen's holds before the slot's row, as a confirmation locks its hold's: the other order
                -- could close a cycle of waits with a confirmation and the sweep (which deletes expired holds).
                PERFORM 1 FROM booking_hold h WHERE h.id_hash = citizen FOR UPDATE;
                -- The slot's row, locked (as in `kiosk_book`).
                INSERT INTO slot_capacity AS s (slot_id, service_id, capacity, taken) VALUES (slot, service, slot_places, 0)
                ON CONFLICT (slot_id) DO UPDATE SET capacity = greatest(excluded.capacity, s.taken)
                WHERE s.capacity <> greatest(excluded.capacity, s.taken);
                IF NOT EXISTS (
                    SELECT 1 FROM slot_capacity s
                    WHERE s.slot_id = slot
                      AND s.taken + (SELECT count(*) FROM booking_hold h
                                     WHERE h.slot_id = slot AND h.expires_at > now_seconds AND h.id_hash IS DISTINCT FROM citizen)
                          < s.capacity) THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'full';
                    RETURN;
                END IF;
                DELETE FROM booking_hold h WHERE h.id_hash = citizen;
                INSERT INTO booking_hold (id, slot_id, service_id, date, start, "end", expires_at, id_hash)
                VALUES (hold_id, slot, service, hold_date, hold_start, hold_end, hold_expires, citizen);
                outcome := 'held';
            END
            $$
            """,
            // How `AnswerWriter` writes a double: its bits as an integer.
            """
            CREATE FUNCTION kiosk_answer_double(value double precision) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
                SELECT kiosk_answer_integer(('x' || encode(float8send(value), 'hex'))::bit(64)::bigint)
            $$
            """,
            // The client knows the hold only by its id: the first call, judged on a live hold and a citizen
            // with nothing else booked or held (`seen_hold_service` NULL), reads nothing first. The booking's
            // answer holds the hold's place, which only this statement reads: the client sends the answer's
            // other bytes (`BookingRecord.answerPieces`), and the statement stores and returns the whole.
            """
            CREATE FUNCTION kiosk_confirm(
                request_key text, request_operation text, request_fingerprint bytea, now_seconds double precision,
                citizen bytea, citizen_lock bigint, horizon double precision, eligibility_statuses text[],
                seen_services text[], seen_statuses text[], seen_starts double precision[], seen_held text[],
                hold text, seen_hold_service text, seen_hold_expires double precision,
                new_id text, new_code text, new_masked text, new_status text, answer_head bytea, answer_tail bytea,
                OUT outcome text, OUT stored_operation text, OUT stored_fingerprint bytea, OUT stored_answer bytea,
                OUT booked_services text[], OUT booked_statuses text[], OUT booked_starts double precision[],
                OUT held_services text[], OUT hold_slot text, OUT hold_service text, OUT hold_date text,
                OUT hold_start double precision, OUT hold_end double precision, OUT hold_expires double precision)
            LANGUAGE plpgsql AS $$
            DECLARE
                claimed boolean;
                unchanged boolean;
            BEGIN
                SELECT c.claimed, c.stored_operation, c.stored_fingerprint, c.stored_answer
                INTO claimed, stored_operation, stored_fingerprint, stored_answer
                FROM kiosk_claim(request_key, request_operation, request_fingerprint, NULL, now_seconds) c;
                IF NOT claimed THEN
                    outcome := 'answered';
                    RETURN;
                END IF;
                SELECT c.unchanged, c.booked_services, c.booked_statuses, c.booked_starts, c.held_services
                INTO unchanged, booked_services, booked_statuses, booked_starts, held_services
                FROM kiosk_citizen(citizen, citizen_lock, horizon, eligibility_statuses, now_seconds,
                                   seen_services, seen_statuses, seen_starts, seen_held, hold) c;
                -- Someone else's hold is no hold of this citizen's. Locked, the sweep deletes it only after this call.
                SELECT h.slot_id, h.service_id, h.date, h.start, h."end", h.expires_at
                INTO hold_slot, hold_service, hold_date, hold_start, hold_end, hold_expires
                FROM booking_hold h WHERE h.id = hold AND h.id_hash = citizen
                FOR UPDATE;
                -- A hold not read yet was judged live, as `BookingRules.checkLive` has it.
                IF NOT unchanged OR NOT FOUND OR hold_expires <= now_seconds
                   OR (seen_hold_service IS NOT NULL
                       AND (hold_service, hold_expires) IS DISTINCT FROM (seen_hold_service, seen_hold_expires)) THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'changed';
                    RETURN;
                END IF;
                booked_services := NULL; booked_statuses := NULL; booked_starts := NULL; held_services := NULL;
                -- The slot's row first, in its own statement: the count below then sees every earlier holder's writes.
                -- The hold itself keeps the place it takes, so it is not counted against it.
                PERFORM 1 FROM slot_capacity s WHERE s.slot_id = hold_slot FOR UPDATE;
                UPDATE slot_capacity s SET taken = s.taken + 1
                WHERE s.slot_id = hold_slot
                  AND s.taken + (SELECT count(*) FROM booking_hold h
                                 WHERE h.slot_id = hold_slot AND h.expires_at > now_seconds AND h.id <> hold) < s.capacity;
                IF NOT FOUND THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'full';
                    RETURN;
                END IF;
                DELETE FROM booking_hold h WHERE h.id = hold;
                INSERT INTO booking (id, code, slot_id, service_id, date, start, "end", id_hash, id_masked, status,
                                     sequence, created_at, updated_at)
                VALUES (new_id, new_code, hold_slot, hold_service, hold_date, hold_start, hold_end, citizen, new_masked, new_status,
                        0, now_seconds, now_seconds);
                stored_answer := answer_head || kiosk_answer_text(hold_slot) || kiosk_answer_text(hold_service)
                    || kiosk_answer_text(hold_date) || kiosk_answer_double(hold_start) || kiosk_answer_double(hold_end) || answer_tail;
                UPDATE idempotency_key SET response = stored_answer WHERE key = request_key;
                outcome := 'booked';
            END
            $$
            """,
        ]),
        // A copied policy print is marked with the key the terminal gives it (v20-district-copy-marks
        // there), not its row id: after a restore, or in a file made anew, the terminal's row ids
        // start again, and a new print with an id copied before was taken for that print and
        // dropped. The prints copied before keep their mark as the terminal keys them now.
        Migration(name: "v26-policy-print-copied-key", statements: [
            "ALTER TABLE policy_print ADD COLUMN copied_key text",
            "UPDATE policy_print SET copied_key = copied_id || '/' || policy_id || '/' || printed_on WHERE copied_id IS NOT NULL",
            "DROP INDEX policy_print_copied",
            "ALTER TABLE policy_print DROP COLUMN copied_id",
            "CREATE UNIQUE INDEX policy_print_copied ON policy_print (site_id, terminal_id, copied_key) WHERE copied_key IS NOT NULL",
        ]),
        // A citizen's rows are compared with what the rules judged only when there are any
        // (issue 22): the counts alone settle the common case, a citizen with nothing else booked
        // or held, and compared as a simple expression they need no executor, where the EXCEPT ALL
        // queries ran twice per call; their bookings and holds are read in one statement. Same
        // arguments and answers as v25's.
        Migration(name: "v27-citizen-compared-by-counts-first", statements: [
            """
            CREATE OR REPLACE FUNCTION kiosk_citizen(
                citizen bytea, citizen_lock bigint, horizon double precision, eligibility_statuses text[], now_seconds double precision,
                seen_services text[], seen_statuses text[], seen_starts double precision[], seen_held text[], confirmed_hold text,
                OUT unchanged boolean, OUT booked_services text[], OUT booked_statuses text[], OUT booked_starts double precision[],
                OUT held_services text[])
            LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock(citizen_lock);
                SELECT b.services, b.statuses, b.starts, h.services
                INTO booked_services, booked_statuses, booked_starts, held_services
                FROM (SELECT coalesce(array_agg(service_id), '{}') AS services, coalesce(array_agg(status), '{}') AS statuses,
                             coalesce(array_agg(start), '{}') AS starts
                      FROM booking WHERE id_hash = citizen AND start > horizon AND status = ANY(eligibility_statuses)) b,
                     (SELECT coalesce(array_agg(service_id), '{}') AS services
                      FROM booking_hold WHERE id_hash = citizen AND expires_at > now_seconds AND id IS DISTINCT FROM confirmed_hold) h;
                unchanged := seen_services IS NOT NULL AND cardinality(booked_services) = cardinality(seen_services)
                    AND (seen_held IS NULL OR cardinality(held_services) = cardinality(seen_held));
                IF unchanged AND cardinality(booked_services) > 0 THEN
                    unchanged := NOT EXISTS (SELECT * FROM unnest(booked_services, booked_statuses, booked_starts)
                                             EXCEPT ALL SELECT * FROM unnest(seen_services, seen_statuses, seen_starts));
                END IF;
                IF unchanged AND seen_held IS NOT NULL AND cardinality(held_services) > 0 THEN
                    unchanged := NOT EXISTS (SELECT unnest(held_services) EXCEPT ALL SELECT unnest(seen_held));
                END IF;
            END
            $$
            """,
        ]),
        // A slot's places as rows of their own (issue 22): a booking, a hold, a confirmation and a
        // reschedule each take a free place that nobody else is taking (`FOR UPDATE SKIP LOCKED`),
        // where each locked the slot's one counter row until its commit was flushed, so that every
        // other request for the slot waited for it: citizens booking the same times at once (the
        // opening of popular appointments) took their places one commit at a time. A place is free
        // when nobody holds it or its hold has expired; `slot_capacity.capacity` is how many places
        // the slot has, and `taken` (what the places now say) is gone.
        Migration(name: "v28-slot-places", statements: [
            """
            CREATE TABLE slot_place (
                slot_id text NOT NULL REFERENCES slot_capacity,
                place bigint NOT NULL,
                holder text,
                held_until double precision,
                PRIMARY KEY (slot_id, place))
            """,
            "CREATE INDEX slot_place_free ON slot_place (slot_id, place) WHERE holder IS NULL",
            "CREATE INDEX slot_place_held ON slot_place (slot_id, held_until) WHERE held_until IS NOT NULL",
            "CREATE INDEX slot_place_by_holder ON slot_place (holder) WHERE holder IS NOT NULL",
            // Live holds are no longer counted by slot.
            "DROP INDEX booking_hold_by_slot_expiry",
            // `taker` (a booking's id, or a hold's with `until`) takes a free place of `slot`: its number,
            // NULL when the slot is full. Places others are taking are skipped; only when nothing else is
            // left is one of them waited for, as its taker may give it back.
            """
            CREATE FUNCTION kiosk_take_place(slot text, taker text, until double precision, now_seconds double precision)
            RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE
                taken bigint;
            BEGIN
                UPDATE slot_place p SET holder = taker, held_until = until
                WHERE (p.slot_id, p.place) = (SELECT f.slot_id, f.place FROM slot_place f WHERE f.slot_id = slot AND f.holder IS NULL
                                              ORDER BY f.place LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING p.place INTO taken;
                IF FOUND THEN
                    RETURN taken;
                END IF;
                -- An expired hold's place, before the sweep gives it back.
                UPDATE slot_place p SET holder = taker, held_until = until
                WHERE (p.slot_id, p.place) = (SELECT f.slot_id, f.place FROM slot_place f
                                              WHERE f.slot_id = slot AND f.held_until <= now_seconds
                                              ORDER BY f.place LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING p.place INTO taken;
                IF FOUND THEN
                    RETURN taken;
                END IF;
                -- A place another request is taking is rechecked once it commits or rolls back.
                UPDATE slot_place p SET holder = taker, held_until = until
                WHERE (p.slot_id, p.place) = (SELECT f.slot_id, f.place FROM slot_place f
                                              WHERE f.slot_id = slot AND (f.holder IS NULL OR f.held_until <= now_seconds)
                                              ORDER BY f.place LIMIT 1 FOR UPDATE)
                RETURNING p.place INTO taken;
                RETURN taken;
            END
            $$
            """,
            // The slot with `places` places, as its service now has them (read without a lock: they change
            // rarely). A change locks the slot's row against other changes (`FOR NO KEY UPDATE`: a booking's
            // foreign-key check still passes, else a change waiting for a place being taken and that booking
            // waiting for the row would deadlock): places are added after the last, or free ones removed
            // from the last down; a slot never has fewer places than are taken.
            """
            CREATE FUNCTION kiosk_open_slot(slot text, service text, places bigint, now_seconds double precision) RETURNS void LANGUAGE plpgsql AS $$
            DECLARE
                current bigint;
            BEGIN
                SELECT s.capacity INTO current FROM slot_capacity s WHERE s.slot_id = slot;
                IF current = places THEN
                    RETURN;
                END IF;
                IF current IS NULL THEN
                    INSERT INTO slot_capacity (slot_id, service_id, capacity) VALUES (slot, service, places) ON CONFLICT DO NOTHING;
                    IF FOUND THEN
                        INSERT INTO slot_place (slot_id, place) SELECT slot, g FROM generate_series(1, places) g;
                        RETURN;
                    END IF;
                END IF;
                -- Locked; another request may have made the change meanwhile.
                SELECT s.capacity INTO current FROM slot_capacity s WHERE s.slot_id = slot FOR NO KEY UPDATE;
                IF current = places THEN
                    RETURN;
                ELSIF current < places THEN
                    INSERT INTO slot_place (slot_id, place)
                    SELECT slot, (SELECT coalesce(max(p.place), 0) FROM slot_place p WHERE p.slot_id = slot) + g
                    FROM generate_series(1, places - current) g;
                ELSIF current > places THEN
                    DELETE FROM slot_place p
                    WHERE (p.slot_id, p.place) IN (SELECT f.slot_id, f.place FROM slot_place f
                                                   WHERE f.slot_id = slot AND (f.holder IS NULL OR f.held_until <= now_seconds)
                                                   ORDER BY f.place DESC LIMIT current - places FOR UPDATE);
                END IF;
                UPDATE slot_capacity s SET capacity = (SELECT count(*) FROM slot_place p WHERE p.slot_id = slot) WHERE s.slot_id = slot;
            END
            $$
            """,
            // The places of `slots` made to agree with their bookings (a booking not cancelled has one: a
            // no-show used it) and live holds: as many places as those need at least, a cancelled booking's
            // given back, each booking without one given a free one, then each live hold while any are left.
            // For the bookings already there, and for those `kiosk db copy` brings.
            """
            CREATE FUNCTION kiosk_give_places(slots text[], now_seconds double precision) RETURNS void LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE slot_place p SET holder = NULL, held_until = NULL
                FROM booking b WHERE b.slot_id = ANY(slots) AND b.status = 'cancelled' AND p.holder = b.id;
                UPDATE slot_capacity s SET capacity = greatest(s.capacity, needed.places)
                FROM (SELECT slot_id, count(*) AS places FROM booking WHERE slot_id = ANY(slots) AND status <> 'cancelled'
                      GROUP BY slot_id) needed
                WHERE s.slot_id = needed.slot_id AND s.capacity < needed.places;
                INSERT INTO slot_place (slot_id, place)
                SELECT s.slot_id, coalesce(made.last, 0) + g
                FROM slot_capacity s
                LEFT JOIN (SELECT slot_id, max(place) AS last, count(*) AS places FROM slot_place WHERE slot_id = ANY(slots)
                           GROUP BY slot_id) made ON made.slot_id = s.slot_id
                CROSS JOIN LATERAL generate_series(1, s.capacity - coalesce(made.places, 0)) g
                WHERE s.slot_id = ANY(slots);
                UPDATE slot_place p SET holder = waiting.id, held_until = waiting.until
                FROM (SELECT w.id, w.slot_id, w.until, row_number() OVER (PARTITION BY w.slot_id ORDER BY w.rank, w.id) AS n
                      FROM (SELECT b.id, b.slot_id, NULL::double precision AS until, 0 AS rank FROM booking b
                            WHERE b.slot_id = ANY(slots) AND b.status <> 'cancelled'
                            UNION ALL
                            SELECT h.id, h.slot_id, h.expires_at, 1 FROM booking_hold h
                            WHERE h.slot_id = ANY(slots) AND h.expires_at > now_seconds) w
                      WHERE NOT EXISTS (SELECT 1 FROM slot_place q WHERE q.holder = w.id)) waiting,
                     (SELECT slot_id, place, row_number() OVER (PARTITION BY slot_id ORDER BY place) AS n FROM slot_place
                      WHERE slot_id = ANY(slots) AND (holder IS NULL OR held_until <= now_seconds)) free
                WHERE waiting.slot_id = free.slot_id AND waiting.n = free.n AND p.slot_id = free.slot_id AND p.place = free.place;
            END
            $$
            """,
            "DO $$ BEGIN PERFORM kiosk_give_places(array(SELECT slot_id FROM slot_capacity), extract(epoch FROM now())); END $$",
            "ALTER TABLE slot_capacity DROP COLUMN taken",
            """
            CREATE OR REPLACE FUNCTION kiosk_book(
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
                unchanged boolean;
            BEGIN
                SELECT c.claimed, c.stored_operation, c.stored_fingerprint, c.stored_answer
                INTO claimed, stored_operation, stored_fingerprint, stored_answer
                FROM kiosk_claim(request_key, request_operation, request_fingerprint, answer, now_seconds) c;
                IF NOT claimed THEN
                    outcome := 'answered';
                    RETURN;
                END IF;
                SELECT c.unchanged, c.booked_services, c.booked_statuses, c.booked_starts, c.held_services
                INTO unchanged, booked_services, booked_statuses, booked_starts, held_services
                FROM kiosk_citizen(citizen, citizen_lock, horizon, eligibility_statuses, now_seconds,
                                   seen_services, seen_statuses, seen_starts, seen_held, NULL) c;
                IF NOT unchanged THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'changed';
                    RETURN;
                END IF;
                booked_services := NULL; booked_statuses := NULL; booked_starts := NULL; held_services := NULL;
                PERFORM kiosk_open_slot(slot, service, slot_places, now_seconds);
                IF kiosk_take_place(slot, new_id, NULL, now_seconds) IS NULL THEN
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
            // A new hold replaces the citizen's others only once granted: when the slot has no free place,
            // the place of their hold in the same slot passes to it.
            """
            CREATE OR REPLACE FUNCTION kiosk_hold(
                request_key text, request_operation text, request_fingerprint bytea, answer bytea, now_seconds double precision,
                citizen bytea, citizen_lock bigint, horizon double precision, eligibility_statuses text[],
                seen_services text[], seen_statuses text[], seen_starts double precision[], seen_held text[],
                slot text, service text, slot_places bigint,
                hold_id text, hold_date text, hold_start double precision, hold_end double precision, hold_expires double precision,
                OUT outcome text, OUT stored_operation text, OUT stored_fingerprint bytea, OUT stored_answer bytea,
                OUT booked_services text[], OUT booked_statuses text[], OUT booked_starts double precision[],
                OUT held_services text[])
            LANGUAGE plpgsql AS $$
            DECLARE
                claimed boolean;
                unchanged boolean;
            BEGIN
                SELECT c.claimed, c.stored_operation, c.stored_fingerprint, c.stored_answer
                INTO claimed, stored_operation, stored_fingerprint, stored_answer
                FROM kiosk_claim(request_key, request_operation, request_fingerprint, answer, now_seconds) c;
                IF NOT claimed THEN
                    outcome := 'answered';
                    RETURN;
                END IF;
                SELECT c.unchanged, c.booked_services, c.booked_statuses, c.booked_starts, c.held_services
                INTO unchanged, booked_services, booked_statuses, booked_starts, held_services
                FROM kiosk_citizen(citizen, citizen_lock, horizon, eligibility_statuses, now_seconds,
                                   seen_services, seen_statuses, seen_starts, seen_held, NULL) c;
                IF NOT unchanged THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'changed';
                    RETURN;
                END IF;
                booked_services := NULL; booked_statuses := NULL; booked_starts := NULL; held_services := NULL;
                -- The citizen's holds before any place, as a confirmation and the sweep lock them.
                PERFORM 1 FROM booking_hold h WHERE h.id_hash = citizen FOR UPDATE;
                PERFORM kiosk_open_slot(slot, service, slot_places, now_seconds);
                IF kiosk_take_place(slot, hold_id, hold_expires, now_seconds) IS NULL THEN
                    UPDATE slot_place p SET holder = hold_id, held_until = hold_expires
                    WHERE (p.slot_id, p.place) = (SELECT f.slot_id, f.place FROM slot_place f
                                                  WHERE f.slot_id = slot AND f.holder IN (SELECT h.id FROM booking_hold h
                                                                                          WHERE h.id_hash = citizen)
                                                  LIMIT 1 FOR UPDATE);
                    IF NOT FOUND THEN
                        DELETE FROM idempotency_key WHERE key = request_key;
                        outcome := 'full';
                        RETURN;
                    END IF;
                END IF;
                UPDATE slot_place p SET holder = NULL, held_until = NULL
                WHERE p.holder IN (SELECT h.id FROM booking_hold h WHERE h.id_hash = citizen);
                DELETE FROM booking_hold h WHERE h.id_hash = citizen;
                INSERT INTO booking_hold (id, slot_id, service_id, date, start, "end", expires_at, id_hash)
                VALUES (hold_id, slot, service, hold_date, hold_start, hold_end, hold_expires, citizen);
                outcome := 'held';
            END
            $$
            """,
            // The hold's place becomes the booking's. One taken over after the hold expired (by another
            // terminal's clock) is taken anew, if the slot has one free.
            """
            CREATE OR REPLACE FUNCTION kiosk_confirm(
                request_key text, request_operation text, request_fingerprint bytea, now_seconds double precision,
                citizen bytea, citizen_lock bigint, horizon double precision, eligibility_statuses text[],
                seen_services text[], seen_statuses text[], seen_starts double precision[], seen_held text[],
                hold text, seen_hold_service text, seen_hold_expires double precision,
                new_id text, new_code text, new_masked text, new_status text, answer_head bytea, answer_tail bytea,
                OUT outcome text, OUT stored_operation text, OUT stored_fingerprint bytea, OUT stored_answer bytea,
                OUT booked_services text[], OUT booked_statuses text[], OUT booked_starts double precision[],
                OUT held_services text[], OUT hold_slot text, OUT hold_service text, OUT hold_date text,
                OUT hold_start double precision, OUT hold_end double precision, OUT hold_expires double precision)
            LANGUAGE plpgsql AS $$
            DECLARE
                claimed boolean;
                unchanged boolean;
            BEGIN
                SELECT c.claimed, c.stored_operation, c.stored_fingerprint, c.stored_answer
                INTO claimed, stored_operation, stored_fingerprint, stored_answer
                FROM kiosk_claim(request_key, request_operation, request_fingerprint, NULL, now_seconds) c;
                IF NOT claimed THEN
                    outcome := 'answered';
                    RETURN;
                END IF;
                SELECT c.unchanged, c.booked_services, c.booked_statuses, c.booked_starts, c.held_services
                INTO unchanged, booked_services, booked_statuses, booked_starts, held_services
                FROM kiosk_citizen(citizen, citizen_lock, horizon, eligibility_statuses, now_seconds,
                                   seen_services, seen_statuses, seen_starts, seen_held, hold) c;
                -- Someone else's hold is no hold of this citizen's. Locked, the sweep deletes it only after this call.
                SELECT h.slot_id, h.service_id, h.date, h.start, h."end", h.expires_at
                INTO hold_slot, hold_service, hold_date, hold_start, hold_end, hold_expires
                FROM booking_hold h WHERE h.id = hold AND h.id_hash = citizen
                FOR UPDATE;
                -- A hold not read yet was judged live, as `BookingRules.checkLive` has it.
                IF NOT unchanged OR NOT FOUND OR hold_expires <= now_seconds
                   OR (seen_hold_service IS NOT NULL
                       AND (hold_service, hold_expires) IS DISTINCT FROM (seen_hold_service, seen_hold_expires)) THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'changed';
                    RETURN;
                END IF;
                booked_services := NULL; booked_statuses := NULL; booked_starts := NULL; held_services := NULL;
                UPDATE slot_place p SET holder = new_id, held_until = NULL WHERE p.holder = hold;
                IF NOT FOUND AND kiosk_take_place(hold_slot, new_id, NULL, now_seconds) IS NULL THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'full';
                    RETURN;
                END IF;
                DELETE FROM booking_hold h WHERE h.id = hold;
                INSERT INTO booking (id, code, slot_id, service_id, date, start, "end", id_hash, id_masked, status,
                                     sequence, created_at, updated_at)
                VALUES (new_id, new_code, hold_slot, hold_service, hold_date, hold_start, hold_end, citizen, new_masked, new_status,
                        0, now_seconds, now_seconds);
                stored_answer := answer_head || kiosk_answer_text(hold_slot) || kiosk_answer_text(hold_service)
                    || kiosk_answer_text(hold_date) || kiosk_answer_double(hold_start) || kiosk_answer_double(hold_end) || answer_tail;
                UPDATE idempotency_key SET response = stored_answer WHERE key = request_key;
                outcome := 'booked';
            END
            $$
            """,
            """
            CREATE OR REPLACE FUNCTION kiosk_cancel(
                request_key text, request_operation text, request_fingerprint bytea, answer bytea, now_seconds double precision,
                booking_id text, seen_status text, seen_sequence bigint, seen_on_day_off boolean, new_status text,
                OUT outcome text, OUT stored_operation text, OUT stored_fingerprint bytea, OUT stored_answer bytea)
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
                -- A concurrent change of the row is waited for, then the condition is checked on its new version.
                UPDATE booking b SET status = new_status, sequence = b.sequence + 1, updated_at = now_seconds
                WHERE b.id = booking_id AND b.status = seen_status AND b.sequence = seen_sequence AND b.on_day_off = seen_on_day_off;
                IF NOT FOUND THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'changed';
                    RETURN;
                END IF;
                UPDATE slot_place p SET holder = NULL WHERE p.holder = booking_id;
                outcome := 'done';
            END
            $$
            """,
            // The new place is taken before the old one is given back: two reschedules crossing between
            // full slots then never wait for each other's.
            """
            CREATE OR REPLACE FUNCTION kiosk_reschedule(
                request_key text, request_operation text, request_fingerprint bytea, answer bytea, now_seconds double precision,
                citizen_lock bigint, booking_id text, seen_status text, seen_sequence bigint, seen_on_day_off boolean, moves boolean,
                slot text, service text, slot_places bigint, new_date text, new_start double precision, new_end double precision,
                OUT outcome text, OUT stored_operation text, OUT stored_fingerprint bytea, OUT stored_answer bytea)
            LANGUAGE plpgsql AS $$
            DECLARE
                claimed boolean;
                new_place bigint;
            BEGIN
                SELECT c.claimed, c.stored_operation, c.stored_fingerprint, c.stored_answer
                INTO claimed, stored_operation, stored_fingerprint, stored_answer
                FROM kiosk_claim(request_key, request_operation, request_fingerprint, answer, now_seconds) c;
                IF NOT claimed THEN
                    outcome := 'answered';
                    RETURN;
                END IF;
                -- A booking's start is what the quota and ban checks read of it: it changes under the citizen's lock.
                IF moves THEN
                    PERFORM pg_advisory_xact_lock(citizen_lock);
                END IF;
                -- A concurrent change of the row is waited for, then the condition is checked on its new version.
                PERFORM 1 FROM booking b
                WHERE b.id = booking_id AND b.status = seen_status AND b.sequence = seen_sequence AND b.on_day_off = seen_on_day_off
                FOR UPDATE;
                IF NOT FOUND THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'changed';
                    RETURN;
                END IF;
                -- To the slot it has: nothing is written but the key, which keeps the booking as its answer.
                IF NOT moves THEN
                    outcome := 'done';
                    RETURN;
                END IF;
                PERFORM kiosk_open_slot(slot, service, slot_places, now_seconds);
                new_place := kiosk_take_place(slot, booking_id, NULL, now_seconds);
                IF new_place IS NULL THEN
                    DELETE FROM idempotency_key WHERE key = request_key;
                    outcome := 'full';
                    RETURN;
                END IF;
                UPDATE slot_place p SET holder = NULL
                WHERE p.holder = booking_id AND (p.slot_id, p.place) IS DISTINCT FROM (slot, new_place);
                UPDATE booking b SET slot_id = slot, date = new_date, start = new_start, "end" = new_end, sequence = b.sequence + 1,
                    updated_at = now_seconds, on_day_off = false
                WHERE b.id = booking_id;
                outcome := 'done';
            END
            $$
            """,
        ]),
    ]
}

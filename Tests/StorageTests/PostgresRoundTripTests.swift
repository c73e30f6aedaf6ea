import Booking
import Foundation
import KioskTesting
@testable import StoragePostgres
import Testing

/// How many statements each district booking operation sends, counted by the server itself
/// (`pg_stat_statements`, top-level statements only: what runs inside a function is one call).
/// Every statement is a round trip, and a transaction's locks are held across all of its round trips
/// but the last (issue 22).
@Suite("District store: statements per operation")
struct PostgresRoundTripTests {
    /// A cluster of its own: `pg_stat_statements` is loaded only when the server starts.
    @Test func aRescheduleAndACheckInAreOneReadAndOneWriteEach() async throws {
        try await withCountedStatements(countStatements)
    }

    /// `body` on a fixture in a cluster that counts statements, and a counter of the statements an
    /// operation sends to the fixture's database.
    func withCountedStatements(
        _ body: (BookingStoreFixture, _ statements: (() async throws -> Void) async throws -> Int) async throws -> Void
    ) async throws {
        let cluster = try await PrivatePostgres.start(
            options: "-c fsync=off -c synchronous_commit=off -c shared_preload_libraries=pg_stat_statements")
        do {
            try await PrivatePostgres.$current.withValue(cluster) {
                try await cluster.psql("CREATE EXTENSION pg_stat_statements")
                let url = try await cluster.createDatabase()
                let database = try #require(url.split(separator: "/").last.map(String.init))
                let fixture = try await BookingStoreFixture(.postgres, policy: BookingPolicy(maxActivePerService: 3, maxActiveTotal: 3),
                                                            postgresURL: url)
                try await body(fixture) { operation in
                    try await cluster.psql("SELECT pg_stat_statements_reset()")
                    try await operation()
                    return Int(try await cluster.psql("""
                        SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
                        WHERE d.datname = '\(database)'
                        """)) ?? -1
                }
            }
            await cluster.stop()
        } catch {
            await cluster.stop()
            throw error
        }
    }

    func countStatements(_ fixture: BookingStoreFixture, _ statements: (() async throws -> Void) async throws -> Int) async throws {
        let bookings = fixture.bookings
        let citizen = try BookingStoreFixture.citizen(), other = try BookingStoreFixture.citizen(sequence: 2)
        let at = { (text: String) in try BookingStoreFixture.beijing(text) }
        let now = BookingStoreFixture.now

        // Once each first: a connection prepares its statements and a server process compiles its functions once.
        let warm = try await bookings.book(try fixture.slot("2026-12-02 09:00"), idNumber: other, idempotencyKey: "w1", now: now)
        _ = try await bookings.reschedule(code: warm.code, idNumber: other, to: try fixture.slot("2026-12-02 09:30"),
                                          idempotencyKey: "w2", now: now)
        _ = try await bookings.checkIn(code: warm.code, holder: .typed(other), idempotencyKey: "w3", now: try at("2026-12-02 09:25"))

        var booking = try await bookings.book(try fixture.slot("2026-12-03 09:00"), idNumber: citizen, idempotencyKey: "b1", now: now)
        let book = try await statements {
            booking = try await bookings.book(try fixture.slot("2026-12-03 10:00"), idNumber: citizen, idempotencyKey: "b2", now: now)
        }
        let reschedule = try await statements {
            _ = try await bookings.reschedule(code: booking.code, idNumber: citizen, to: try fixture.slot("2026-12-03 11:00"),
                                              idempotencyKey: "r1", now: now)
        }
        let sameSlot = try await statements {
            _ = try await bookings.reschedule(code: booking.code, idNumber: citizen, to: try fixture.slot("2026-12-03 11:00"),
                                              idempotencyKey: "r2", now: now)
        }
        let checkInByCode = try await statements {
            _ = try await bookings.checkIn(code: booking.code, holder: .typed(citizen), idempotencyKey: "c1",
                                           now: try at("2026-12-03 10:55"))
        }
        let checkInByCard = try await statements {
            _ = try await bookings.checkIn(holder: .card(citizen), idempotencyKey: "c2", now: try at("2026-12-03 08:55"))
        }
        let replay = try await statements {
            _ = try await bookings.checkIn(holder: .card(citizen), idempotencyKey: "c2", now: try at("2026-12-03 08:56"))
        }
        print("statements per operation: book \(book), reschedule \(reschedule), reschedule to the same slot \(sameSlot), "
              + "check-in by code \(checkInByCode), check-in by card \(checkInByCard), replayed check-in \(replay)")
        // The booking's first call assumes a citizen with no bookings; this one has one, so a second call.
        #expect(book == 2)
        #expect(reschedule == 2)
        #expect(sameSlot == 2)
        #expect(checkInByCode == 2)
        #expect(checkInByCard == 2)
        #expect(replay == 1)
    }

    /// The citizens' own path (`POST /v1/holds`, then `POST /v1/bookings`): a hold and its
    /// confirmation are one call each for a citizen with nothing else booked, and a retry is one.
    @Test func aHoldAndItsConfirmationAreOneCallEach() async throws {
        try await withCountedStatements { fixture, statements in
            let bookings = fixture.bookings
            let citizen = try BookingStoreFixture.citizen(), other = try BookingStoreFixture.citizen(sequence: 2)
            let now = BookingStoreFixture.now
            // Once first: a connection prepares its statements and a server process compiles its functions once.
            let warm = try await bookings.hold(try fixture.slot("2026-12-02 09:00"), idNumber: other, idempotencyKey: "w1", now: now)
            _ = try await bookings.confirm(holdID: warm.id, idNumber: other, idempotencyKey: "w2", now: now)

            var hold: SlotHold?
            let holding = try await statements {
                hold = try await bookings.hold(try fixture.slot("2026-12-03 09:00"), idNumber: citizen, idempotencyKey: "h1", now: now)
            }
            let holdID = try #require(hold).id
            let confirming = try await statements {
                _ = try await bookings.confirm(holdID: holdID, idNumber: citizen, idempotencyKey: "c1", now: now)
            }
            let replay = try await statements {
                _ = try await bookings.confirm(holdID: holdID, idNumber: citizen, idempotencyKey: "c1", now: now)
            }
            print("statements per operation: hold \(holding), confirmation \(confirming), replayed confirmation \(replay)")
            #expect(holding == 1)
            #expect(confirming == 1)
            #expect(replay == 1)
        }
    }
}

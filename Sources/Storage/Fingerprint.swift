import Booking
import Crypto
import Foundation
import KioskCore

/// What makes two requests "the same": the operation and its parameters, length-prefixed and
/// hashed with SHA-256. Identity numbers enter only as their keyed hash.
package struct Fingerprint: Sendable {
    package let operation: String
    private var bytes: [UInt8] = []

    package init(_ operation: String) {
        self.operation = operation
    }

    package func add(_ text: String) -> Fingerprint { add(Data(text.utf8)) }

    package func add(_ value: some BinaryInteger) -> Fingerprint { add(String(value)) }

    package func add(_ data: Data) -> Fingerprint {
        var copy = self
        let count = UInt32(truncatingIfNeeded: data.count)
        copy.bytes += (0..<4).map { UInt8(truncatingIfNeeded: count >> (24 - 8 * UInt32($0))) }
        copy.bytes += data
        return copy
    }

    package var digest: Data { Data(SHA256.hash(data: bytes)) }
}

/// The fingerprint of each booking operation, one definition for both stores: a retry reaching
/// either database (or the same one after an upgrade) is recognised by the same bytes.
extension Fingerprint {
    package static func hold(_ slot: Slot, idHash: Data) -> Fingerprint {
        Fingerprint("hold").add(slot.id).add(slot.capacity).add(idHash)
    }

    package static func confirm(holdID: String, idHash: Data) -> Fingerprint {
        Fingerprint("confirm").add(holdID).add(idHash)
    }

    package static func book(_ slot: Slot, idHash: Data) -> Fingerprint {
        Fingerprint("book").add(slot.id).add(slot.capacity).add(idHash)
    }

    package static func cancel(code: BookingCode, idHash: Data) -> Fingerprint {
        Fingerprint("cancel").add(code.value).add(idHash)
    }

    package static func reschedule(code: BookingCode, idHash: Data, to slot: Slot) -> Fingerprint {
        Fingerprint("reschedule").add(code.value).add(idHash).add(slot.id).add(slot.capacity)
    }

    package static func checkIn(code: BookingCode, idHash: Data, source: CitizenIdentity.Source) -> Fingerprint {
        Fingerprint("checkInByCode").add(code.value).add(idHash).add(source.rawValue)
    }

    package static func checkIn(idHash: Data, source: CitizenIdentity.Source) -> Fingerprint {
        Fingerprint("checkInByID").add(idHash).add(source.rawValue)
    }

    package static func issueTicket(serviceID: String, holder: CitizenIdentity?, holderHash: Data?,
                                    disabilityMarkedByStaff: Bool) -> Fingerprint {
        let request = Fingerprint("issueTicket").add(serviceID).add(disabilityMarkedByStaff ? "1" : "0")
        guard let holder, let holderHash else { return request }
        return request.add(holderHash).add(holder.source.rawValue)
    }

    package static func callNext(counter: String, serviceIDs: [String]) -> Fingerprint {
        serviceIDs.sorted().reduce(Fingerprint("callNext").add(counter)) { $0.add($1) }
    }

    /// `operation` is the counter's action (`recall`, `finish`, `transfer:<service>`, ...).
    package static func counterAction(_ operation: String, ticketID: Int64) -> Fingerprint {
        Fingerprint(operation).add(ticketID)
    }

    package static func rate(ticketID: Int64, score: Int, reasons: [String], proof: PresentedRatingProof) -> Fingerprint {
        reasons.reduce(Fingerprint("rate").add(ticketID).add(score).add(proof.digest)) { $0.add($1) }
    }
}

/// A rating's proof as the store compares it: the hash of a token (the store keeps only hashes),
/// or the keyed hash of the card's ID number.
package struct PresentedRatingProof: Sendable {
    package let tokenHash: Data?
    package let holderHash: Data?

    package static func tokenHash(_ token: String) -> Data { Fingerprint("ratingToken").add(token).digest }

    /// What enters the request's fingerprint: the same proof retried is the same request.
    package var digest: Data { tokenHash ?? holderHash ?? Data() }

    /// `holderHash` is the keyed hash of the ID number, for a proof by the card.
    package init(_ proof: RatingProof, holderHash: (ResidentIDNumber) async throws -> Data) async rethrows {
        switch proof {
        case .token(let token): (tokenHash, self.holderHash) = (Self.tokenHash(token), nil)
        case .holder(let idNumber): (tokenHash, self.holderHash) = (nil, try await holderHash(idNumber))
        }
    }

    package init(tokenHash: Data?, holderHash: Data?) {
        self.tokenHash = tokenHash
        self.holderHash = holderHash
    }

    /// A ticket taken before rating tokens existed has neither hash and can be rated by nobody.
    package func matches(tokenHash stored: Data?, holderHash storedHolder: Data?) -> Bool {
        if let tokenHash, let stored { return constantTimeEqual(tokenHash, stored) }
        if let holderHash, let storedHolder { return constantTimeEqual(holderHash, storedHolder) }
        return false
    }

    private func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

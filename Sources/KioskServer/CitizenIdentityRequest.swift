import Booking
import Hummingbird
import KioskCore

extension KioskRoutes {
    /// Who is at the screen, as a request names them: the ID number typed in (`idNumber`), or
    /// with `"useCard": true` the card lying on the reader, whose number never passes through
    /// the screen; exactly one of the two, nil when the body names neither. A number that is not
    /// one throws `ResidentIDNumberError`, which is 400 `invalidIdNumber` on every route.
    static func citizen(_ body: RequestBody, cards: CardDesk?) async throws -> CitizenIdentity? {
        let typed = body.fields["idNumber"] != nil, useCard = body.fields["useCard"] != nil
        guard typed || useCard else { return nil }
        guard typed != useCard else { throw idNumberOrCard }
        if typed { return .typed(try ResidentIDNumber(try body.string("idNumber"))) }
        guard try body.bool("useCard") else { throw RequestBody.invalid("useCard", "true") }
        guard let card = await cards?.presented() else { throw noCardPresented }
        return .card(try card.facts.residentIDNumber())
    }

    static let idNumberOrCard = APIError(.badRequest, code: "invalidField", message: .init(
        zh: "请提供身份证号码或使用读卡器上的身份证，不要同时提供", en: "Give either idNumber or useCard, not both."))

    static let noCardPresented = APIError(.conflict, code: "noCardPresented", message: .init(
        zh: "请将身份证放在读卡区", en: "Place your ID card on the reader."))
}

import IDCard
import KioskCore

/// The facts of a read card as the rest of the terminal uses them (`IDCardFacts`): dates
/// `YYYY-MM-DD` like the forms' date fields, gender and ethnic group as the Chinese names printed
/// on the card, an open-ended validity as `长期`. A fact the card type lacks stays nil, so its
/// field stays for the citizen.
///
/// The address is the latest one: an address appended after issue replaces the printed one.
public func formFacts(from card: CardData) -> IDCardFacts {
    let text = card.text
    var facts = IDCardFacts(
        name: text.name, documentNumber: text.documentNumber, birthDate: text.birthDate.description,
        validFrom: text.validity.start.description,
        validUntil: {
            switch text.validity.end {
            case .date(let end): end.description
            case .longTerm: "长期"
            }
        }())
    switch text.gender {
    case .male, .female: facts.gender = text.gender.nameZH
    case .unknown, .unspecified: break
    }
    switch text {
    case .resident(let resident):
        facts.ethnicity = resident.ethnicGroup?.nameZH
        facts.address = card.appendedAddresses.last ?? resident.address
        facts.issuer = resident.issuingAuthority
    case .residencePermit(let permit):
        facts.address = card.appendedAddresses.last ?? permit.address
        facts.issuer = permit.issuingAuthority
    case .permanentResidence2017:
        break   // the authority is a code, not a name a form can show
    case .permanentResidence2023:
        break   // the chip stores no authority
    }
    return facts.withoutEmptyValues
}

extension IDCardFacts {
    /// An empty text on the card is no fact.
    var withoutEmptyValues: IDCardFacts {
        func present(_ value: String?) -> String? { value?.isEmpty == false ? value : nil }
        return IDCardFacts(name: present(name), documentNumber: present(documentNumber), gender: present(gender),
                           ethnicity: present(ethnicity), birthDate: present(birthDate), address: present(address),
                           issuer: present(issuer), validFrom: present(validFrom), validUntil: present(validUntil))
    }
}

import IDCard

/// The prefill facts of a filing from a read card, keyed by the raw values of FormEngine's
/// `IDCardAttribute` (`name`, `idNumber`, `gender`, `ethnicity`, `birthDate`, `address`,
/// `issuer`, `validFrom`, `validUntil`). Dates are `YYYY-MM-DD` like the forms' date fields;
/// gender and ethnic group are the Chinese names printed on the card; an open-ended validity
/// is `长期`. A fact the card type lacks is left out, so its field stays for the citizen.
///
/// The address is the latest one: an address appended after issue replaces the printed one.
public func formFacts(from card: CardData) -> [String: String] {
    let text = card.text
    var facts = [
        "name": text.name,
        "idNumber": text.documentNumber,
        "birthDate": text.birthDate.description,
        "validFrom": text.validity.start.description,
        "validUntil": {
            switch text.validity.end {
            case .date(let end): end.description
            case .longTerm: "长期"
            }
        }(),
    ]
    switch text.gender {
    case .male, .female: facts["gender"] = text.gender.nameZH
    case .unknown, .unspecified: break
    }
    switch text {
    case .resident(let resident):
        facts["ethnicity"] = resident.ethnicGroup?.nameZH
        facts["address"] = card.appendedAddresses.last ?? resident.address
        facts["issuer"] = resident.issuingAuthority
    case .residencePermit(let permit):
        facts["address"] = card.appendedAddresses.last ?? permit.address
        facts["issuer"] = permit.issuingAuthority
    case .permanentResidence2017:
        break   // the authority is a code, not a name a form can show
    case .permanentResidence2023:
        break   // the chip stores no authority
    }
    return facts.filter { !$0.value.isEmpty }
}

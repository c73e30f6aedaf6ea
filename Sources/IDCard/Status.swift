/// What should happen after an error, in the device vocabulary technicians know.
public enum RecommendedAction: String, Sendable, Hashable, CaseIterable {
    /// Try again; the condition is usually transient (card moved, noise on the line).
    case retry
    /// A person at the terminal can fix it (take the card out, present another document).
    case clear
    /// Needs a technician.
    case maintenance
    /// Reset the device, then retry.
    case reset
}

/// The SW3 status byte of a response.
public enum SAMStatus: UInt8, Sendable, Hashable, CaseIterable {
    case success = 0x90
    case cardFound = 0x9F
    case itemEmpty = 0x91
    case checksumError = 0x10
    case lengthError = 0x11
    case commandError = 0x21
    case unauthorised = 0x23
    case unrecognised = 0x24
    case cardFailedToAuthenticateSAM = 0x31
    case samFailedToAuthenticateCard = 0x32
    case informationCheckError = 0x33
    case unknownCardType = 0x40
    case readingFailed = 0x41
    case randomNumberFailed = 0x47
    case samSelfTestFailed = 0x60
    case samNotAuthorised = 0x66
    case findCardFailed = 0x80
    case selectCardFailed = 0x81

    /// Nil for the two statuses that report success.
    public var error: ReaderError? {
        switch self {
        case .success, .cardFound: nil
        default: ReaderError(.status(self))
        }
    }
}

/// A failure of the reader, its SAM or the card, as the transport and UI see it.
public struct ReaderError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The reader answered with this status.
        case status(SAMStatus)
        /// The reader answered with a status byte the protocol does not define.
        case unknownStatus(UInt8)
        /// No (intact) answer within the transport's deadline.
        case noResponse
        /// The answer was well-framed but its data could not be decoded.
        case malformedData
    }

    public let code: Code

    public init(_ code: Code) {
        self.code = code
    }

    /// Stable machine-readable code, e.g. `samSelfTestFailed`.
    public var codeName: String {
        switch code {
        case .status(let status): "\(status)"
        case .unknownStatus: "unknownStatus"
        case .noResponse: "noResponse"
        case .malformedData: "malformedData"
        }
    }

    public var recommendedAction: RecommendedAction {
        switch code {
        case .status(let status):
            switch status {
            case .samSelfTestFailed, .samNotAuthorised: .maintenance
            case .commandError, .unauthorised, .unrecognised: .reset
            case .unknownCardType: .clear
            default: .retry
            }
        case .unknownStatus, .noResponse: .reset
        case .malformedData: .retry
        }
    }

    public var messageZH: String {
        switch code {
        case .status(let status):
            switch status {
            case .success: "操作成功"
            case .cardFound: "找到证件"
            case .itemEmpty: "该项无内容"
            case .checksumError: "接收数据校验和错误"
            case .lengthError: "接收数据长度错误"
            case .commandError: "接收命令错误"
            case .unauthorised: "越权操作"
            case .unrecognised: "无法识别的错误"
            case .cardFailedToAuthenticateSAM: "证件认证安全模块失败"
            case .samFailedToAuthenticateCard: "安全模块认证证件失败"
            case .informationCheckError: "信息验证错误"
            case .unknownCardType: "无法识别的卡类型，请放置居民身份证"
            case .readingFailed: "读证件操作失败，请重新放置证件"
            case .randomNumberFailed: "取随机数失败"
            case .samSelfTestFailed: "安全模块自检失败，请联系维护人员"
            case .samNotAuthorised: "安全模块未经授权，请联系维护人员"
            case .findCardFailed: "寻找证件失败"
            case .selectCardFailed: "选取证件失败"
            }
        case .unknownStatus: "读卡器返回未知状态"
        case .noResponse: "读卡器无响应"
        case .malformedData: "证件数据无法解析，请重新放置证件"
        }
    }

    public var messageEN: String {
        switch code {
        case .status(let status):
            switch status {
            case .success: "Operation succeeded."
            case .cardFound: "Card found."
            case .itemEmpty: "The item is empty."
            case .checksumError: "The reader received data with a wrong checksum."
            case .lengthError: "The reader received data with a wrong length."
            case .commandError: "The reader received an invalid command."
            case .unauthorised: "Operation not permitted."
            case .unrecognised: "Unrecognised error."
            case .cardFailedToAuthenticateSAM: "The card failed to authenticate the security module."
            case .samFailedToAuthenticateCard: "The security module failed to authenticate the card."
            case .informationCheckError: "Information check failed."
            case .unknownCardType: "Unknown card type; please place a resident ID card."
            case .readingFailed: "Reading the card failed; please place the card again."
            case .randomNumberFailed: "Getting a random number from the card failed."
            case .samSelfTestFailed: "The security module failed its self-test; call a technician."
            case .samNotAuthorised: "The security module is not authorised; call a technician."
            case .findCardFailed: "No card found."
            case .selectCardFailed: "Selecting the card failed."
            }
        case .unknownStatus(let byte): "The reader returned an unknown status 0x\(String(byte, radix: 16, uppercase: true))."
        case .noResponse: "The reader does not respond."
        case .malformedData: "The card data could not be decoded; please place the card again."
        }
    }

    public var description: String { "ReaderError.\(codeName): \(messageEN)" }
}

/// The district's shared database cannot be reached (down, unreachable, shutting down). What
/// can wait is kept in the terminal's outbox; what cannot (a new booking, whose place must be
/// decided by the district) is refused with this error, which the server answers with 503.
public struct DistrictStoreUnavailable: KioskError, Equatable {
    public static let code = "districtStoreUnavailable"
    public var code: String { Self.code }
    public let message: LocalizedText

    public init() {
        message = LocalizedText(
            zh: "区域预约系统暂时无法连接，暂不能办理新的预约；填报、取号和评价会先保存在本机，恢复后自动上传。请稍后再试或咨询工作人员",
            en: "The district booking system cannot be reached, so new bookings are not possible right now; filings, "
                + "tickets and ratings are kept on this terminal and sent when it returns. Please try again later or ask a member of staff.")
    }
}

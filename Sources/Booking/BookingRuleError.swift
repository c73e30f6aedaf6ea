import KioskCore

/// Why a booking, check-in, ticket or rating request was refused. The codes are stable for
/// clients; messages name no citizen, code or number, so they are safe to log and show.
public struct BookingRuleError: KioskError, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case slotFull
        case holdNotFound
        case holdExpired
        case bookingNotFound
        case bookingNotActive
        case quotaPerServiceExceeded
        case quotaTotalExceeded
        case bannedForNoShows
        case changeDeadlinePassed
        case invalidBookingCode
        case idempotencyKeyReused
        case invalidIdempotencyKey
        case checkInTooEarly
        case hallClosedForWalkIns
        case ticketNotFound
        case ticketStateInvalid
        case rescheduleToOtherService
        case invalidRating
        /// The rating came without the ticket's rating token or card.
        case ratingNotAllowed
    }

    public let kind: Kind
    /// A time the citizen can act on (ban end, check-in opening), written into the message.
    public let until: String?

    public init(_ kind: Kind, until: String? = nil) {
        self.kind = kind
        self.until = until
    }

    public var code: String { kind.rawValue }

    public var message: LocalizedText {
        switch kind {
        case .slotFull:
            return .init(zh: "该时段已约满，请选择其他时段", en: "This time slot is fully booked; choose another.")
        case .holdNotFound:
            return .init(zh: "未找到该时段的保留记录", en: "The slot hold does not exist.")
        case .holdExpired:
            return .init(zh: "时段保留已超时，请重新选择", en: "The slot hold has expired; choose the slot again.")
        case .bookingNotFound:
            return .init(zh: "未找到该预约，请核对预约码和身份证号码", en: "No booking matches this code and identity number.")
        case .bookingNotActive:
            return .init(zh: "该预约已取消或已办理", en: "The booking was already cancelled or used.")
        case .quotaPerServiceExceeded:
            return .init(zh: "您在该事项下的有效预约已达上限", en: "You already hold the maximum number of bookings for this service.")
        case .quotaTotalExceeded:
            return .init(zh: "您的有效预约总数已达上限", en: "You already hold the maximum number of bookings.")
        case .bannedForNoShows:
            return .init(zh: "因多次预约未到，暂停预约至 \(until ?? "")",
                         en: "Booking is suspended after repeated no-shows until \(until ?? "").")
        case .changeDeadlinePassed:
            return .init(zh: "已超过取消或改约的截止时间", en: "The deadline for cancelling or rescheduling has passed.")
        case .invalidBookingCode:
            return .init(zh: "预约码格式不正确，请核对", en: "The booking code is not valid; please check it.")
        case .idempotencyKeyReused:
            return .init(zh: "请求标识已用于另一请求", en: "The idempotency key was already used for a different request.")
        case .invalidIdempotencyKey:
            return .init(zh: "请求标识无效（1–128 个可见 ASCII 字符）",
                         en: "The idempotency key must be 1 to 128 printable ASCII characters.")
        case .checkInTooEarly:
            return .init(zh: "尚未到签到时间，请于 \(until ?? "") 后签到",
                         en: "Check-in opens at \(until ?? "").")
        case .hallClosedForWalkIns:
            return .init(zh: "今日现场取号已结束", en: "Walk-in tickets are no longer issued today.")
        case .ticketNotFound:
            return .init(zh: "未找到该号票", en: "The ticket does not exist.")
        case .ticketStateInvalid:
            return .init(zh: "该号票当前状态不允许此操作", en: "The ticket's state does not allow this action.")
        case .rescheduleToOtherService:
            return .init(zh: "改约只能改到同一事项的其他时段", en: "A booking can only be moved to another slot of the same service.")
        case .invalidRating:
            return .init(zh: "评价应为 1–5 分，原因代码须有效",
                         en: "A rating is a score from 1 to 5 with valid reason codes.")
        case .ratingNotAllowed:
            return .init(zh: "只有取号的本人可以评价（取号时的评价凭证或身份证）",
                         en: "Only whoever took the ticket can rate it (with the ticket's rating token or the ID card).")
        }
    }
}

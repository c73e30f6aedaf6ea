import CLibUSB
import Dispatch
import Foundation
import Synchronization

/// A device came or went.
public struct USBHotplugEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case arrived, left }

    public var kind: Kind
    public var device: USBDeviceID

    public init(_ kind: Kind, _ device: USBDeviceID) {
        self.kind = kind
        self.device = device
    }

    /// What changed between two scans of the bus: departures first, then arrivals, each in
    /// bus and address order.
    public static func changes(from old: Set<USBDeviceID>, to new: Set<USBDeviceID>) -> [USBHotplugEvent] {
        func ordered(_ devices: Set<USBDeviceID>) -> [USBDeviceID] {
            devices.sorted { ($0.bus, $0.address, $0.vendorID, $0.productID) < ($1.bus, $1.address, $1.vendorID, $1.productID) }
        }
        return ordered(old.subtracting(new)).map { USBHotplugEvent(.left, $0) }
            + ordered(new.subtracting(old)).map { USBHotplugEvent(.arrived, $0) }
    }
}

extension USBContext {
    /// Whether libusb reports hotplug itself on this system (Linux with udev or netlink).
    public static var supportsHotplug: Bool {
        libusb_has_capability(UInt32(LIBUSB_CAP_HAS_HOTPLUG.rawValue)) != 0
    }

    /// Devices arriving and leaving, optionally only those with the given ids. Starts with an
    /// `arrived` for each matching device already attached, unless `enumerate` is false (for a
    /// caller that has just listed the bus itself and wants changes only).
    ///
    /// Uses libusb hotplug where the system has it — events are then delivered only while
    /// `runEventLoop()` runs — and otherwise `rescanEvents(every: rescanInterval, ...)`.
    public func hotplugEvents(
        vendorID: UInt16? = nil, productID: UInt16? = nil, rescanInterval: Duration = .seconds(2), enumerate: Bool = true
    ) throws(USBError) -> AsyncStream<USBHotplugEvent> {
        guard Self.supportsHotplug else {
            return rescanEvents(every: rescanInterval, vendorID: vendorID, productID: productID, enumerate: enumerate)
        }
        let (stream, continuation) = AsyncStream.makeStream(of: USBHotplugEvent.self)
        let registration = HotplugRegistration(continuation)
        hotplugRegistrations.withLock { $0.append(registration) }
        var callbackHandle: libusb_hotplug_callback_handle = 0
        let events = Int32(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED.rawValue | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT.rawValue)
        do throws(USBError) {
            try USBError.check(
                libusb_hotplug_register_callback(
                    pointer, events, enumerate ? Int32(LIBUSB_HOTPLUG_ENUMERATE.rawValue) : 0,
                    vendorID.map(Int32.init) ?? LIBUSB_HOTPLUG_MATCH_ANY, productID.map(Int32.init) ?? LIBUSB_HOTPLUG_MATCH_ANY,
                    LIBUSB_HOTPLUG_MATCH_ANY, hotplugCallback, Unmanaged.passUnretained(registration).toOpaque(),
                    &callbackHandle),
                .registerHotplug)
        } catch {
            continuation.finish()
            throw error
        }
        continuation.onTermination = { [weak self, callbackHandle] _ in
            guard let self else { return }
            libusb_hotplug_deregister_callback(self.pointer, callbackHandle)
        }
        return stream
    }

    /// The fallback where libusb has no hotplug: lists the bus every `interval` (ids only, no
    /// device is opened) and reports the differences. Starts with the devices attached now,
    /// unless `enumerate` is false.
    public func rescanEvents(
        every interval: Duration, vendorID: UInt16? = nil, productID: UInt16? = nil, enumerate: Bool = true
    ) -> AsyncStream<USBHotplugEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: USBHotplugEvent.self)
        let timer = DispatchSource.makeTimerSource(queue: queue)
        var known: Set<USBDeviceID> = []   // touched only on `queue`, by the timer
        var reportsAttached = enumerate
        timer.setEventHandler { [weak self] in
            guard let self, let devices = try? self.withDeviceList({ $0.map(USBDeviceID.init(device:)) }) else { return }
            let present = Set(devices.filter {
                (vendorID == nil || $0.vendorID == vendorID) && (productID == nil || $0.productID == productID)
            })
            if reportsAttached {
                for event in USBHotplugEvent.changes(from: known, to: present) { continuation.yield(event) }
            }
            reportsAttached = true
            known = present
        }
        let nanoseconds = Int(clamping: interval.components.seconds * 1_000_000_000 + interval.components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now(), repeating: .nanoseconds(max(1_000_000, nanoseconds)))
        let cancellable = UnsafeSendable(timer)   // DispatchSource.cancel is thread-safe
        continuation.onTermination = { _ in cancellable.value.cancel() }
        timer.resume()
        return stream
    }

    /// Handles libusb events (hotplug callbacks, asynchronous completions) on a dedicated
    /// thread until the calling task is cancelled. Meant to run as one long-lived service.
    public func runEventLoop() async {
        let stopped = Mutex(false)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                let thread = Thread {
                    var interval = timeval(tv_sec: 0, tv_usec: 250_000)
                    while !stopped.withLock({ $0 }) {
                        _ = libusb_handle_events_timeout_completed(self.pointer, &interval, nil)
                    }
                    finished.resume()
                }
                thread.name = "kiosk.usb.events"
                thread.start()
            }
        } onCancel: {
            stopped.withLock { $0 = true }
            libusb_interrupt_event_handler(pointer)
        }
    }
}

/// The target of one hotplug callback's `user_data`.
final class HotplugRegistration: Sendable {
    let continuation: AsyncStream<USBHotplugEvent>.Continuation

    init(_ continuation: AsyncStream<USBHotplugEvent>.Continuation) {
        self.continuation = continuation
    }
}

private let hotplugCallback: libusb_hotplug_callback_fn = { _, device, event, userData in
    guard let device, let userData else { return 0 }
    let registration = Unmanaged<HotplugRegistration>.fromOpaque(userData).takeUnretainedValue()
    let kind: USBHotplugEvent.Kind = event == LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT ? .left : .arrived
    registration.continuation.yield(USBHotplugEvent(kind, USBDeviceID(device: device)))
    return 0   // stay registered
}

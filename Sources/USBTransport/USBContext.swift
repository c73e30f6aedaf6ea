import CLibUSB
import Dispatch
import Synchronization

/// One libusb session: device enumeration, opening devices, hotplug.
///
/// libusb contexts are thread-safe; the pointer is immutable after `init`, hence
/// `@unchecked Sendable`. Blocking calls run on the context's serial queue.
public final class USBContext: @unchecked Sendable {
    let pointer: OpaquePointer
    let queue = DispatchQueue(label: "kiosk.usb.context")
    /// Kept until `deinit`: libusb may still be calling a callback while another thread
    /// deregisters it, so the object its `user_data` points at must outlive the context.
    let hotplugRegistrations = Mutex<[HotplugRegistration]>([])

    /// Opens a libusb session (libusb reads the device list from sysfs here, off the pool).
    public init() async throws(USBError) {
        let created = try await offPool(DispatchQueue(label: "kiosk.usb.init")) { () throws(USBError) -> UnsafeSendable<OpaquePointer> in
            var context: OpaquePointer?
            try USBError.check(libusb_init(&context), .initialise)
            guard let context else { throw USBError(.other, operation: .initialise) }
            return UnsafeSendable(context)
        }
        pointer = created.value
    }

    deinit {
        libusb_exit(pointer)
    }

    /// Every device on the bus, with its strings where it can be opened.
    public func enumerate() async throws(USBError) -> [USBDeviceInfo] {
        try await offPool(queue) { () throws(USBError) in
            try self.withDeviceList { devices in
                devices.map { device in
                    var info = USBDeviceInfo(id: USBDeviceID(device: device), interfaceClasses: Self.interfaceClasses(of: device))
                    var handle: OpaquePointer?
                    guard (try? USBError.check(libusb_open(device, &handle), .open)) != nil, let handle else { return info }
                    defer { libusb_close(handle) }
                    (info.manufacturer, info.product, info.serialNumber) = Self.strings(of: device, handle: handle)
                    return info
                }
            }
        }
    }

    /// Opens the first device with these ids (and this serial number, when given). Nothing is
    /// detached here: `USBDeviceHandle.claimInterface` takes an interface from `usblp` only.
    ///
    /// Throws `notFound` when no such device is attached, or the error that kept a matching
    /// device from opening (`access` is the usual one: see `Devices/udev/`).
    public func open(vendorID: UInt16, productID: UInt16, serial: String? = nil) async throws(USBError) -> USBDeviceHandle {
        let opened = try await offPool(queue) { () throws(USBError) -> (UnsafeSendable<OpaquePointer>, USBDeviceInfo) in
            try self.withDeviceList { devices throws(USBError) in
                var lastError = USBError(.notFound, operation: .open, libusbName: "LIBUSB_ERROR_NOT_FOUND")
                for device in devices {
                    let id = USBDeviceID(device: device)
                    guard id.vendorID == vendorID, id.productID == productID else { continue }
                    var handle: OpaquePointer?
                    do throws(USBError) {
                        try USBError.check(libusb_open(device, &handle), .open)
                    } catch {
                        lastError = error
                        continue
                    }
                    guard let handle else { continue }
                    let strings = Self.strings(of: device, handle: handle)
                    guard serial == nil || strings.serial == serial else {
                        libusb_close(handle)
                        continue
                    }
                    let info = USBDeviceInfo(
                        id: id, manufacturer: strings.manufacturer, product: strings.product, serialNumber: strings.serial,
                        interfaceClasses: Self.interfaceClasses(of: device))
                    return (UnsafeSendable(handle), info)
                }
                throw lastError
            }
        }
        return USBDeviceHandle(context: self, handle: opened.0.value, info: opened.1)
    }

    /// Calls `body` with the current device list (`libusb_device *` each), then frees it.
    /// Runs on `queue`.
    func withDeviceList<T>(_ body: ([OpaquePointer]) throws(USBError) -> T) throws(USBError) -> T {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = try USBError.check(libusb_get_device_list(pointer, &list), .enumerate)
        defer { libusb_free_device_list(list, 1) }
        guard let list else { return try body([]) }
        return try body((0..<count).compactMap { list[$0] })
    }

    /// The class of each interface of the first configuration (alternate setting 0), by
    /// interface number; read from the cached descriptors, without opening the device.
    static func interfaceClasses(of device: OpaquePointer) -> [UInt8: UInt8] {
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        guard libusb_get_config_descriptor(device, 0, &config) == 0, let config else { return [:] }
        defer { libusb_free_config_descriptor(config) }
        var classes: [UInt8: UInt8] = [:]
        for index in 0..<Int(config.pointee.bNumInterfaces) {
            let interface = config.pointee.interface[index]
            guard interface.num_altsetting > 0, let setting = interface.altsetting else { continue }
            classes[setting.pointee.bInterfaceNumber] = setting.pointee.bInterfaceClass
        }
        return classes
    }

    private static func strings(of device: OpaquePointer, handle: OpaquePointer) -> (manufacturer: String?, product: String?, serial: String?) {
        var descriptor = libusb_device_descriptor()
        _ = libusb_get_device_descriptor(device, &descriptor)
        let reader = StringDescriptorReader(handle: handle)
        return (
            reader.string(at: descriptor.iManufacturer), reader.string(at: descriptor.iProduct),
            reader.string(at: descriptor.iSerialNumber)
        )
    }
}

/// Carries a C pointer across the queue hop; the pointee's thread-safety is libusb's.
struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

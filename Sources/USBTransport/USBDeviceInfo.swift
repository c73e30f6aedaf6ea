import CLibUSB

/// Where a device is and what it claims to be: enough to tell two devices apart on one bus.
public struct USBDeviceID: Sendable, Hashable, Codable, CustomStringConvertible {
    public var vendorID: UInt16
    public var productID: UInt16
    public var bus: UInt8
    public var address: UInt8

    public init(vendorID: UInt16, productID: UInt16, bus: UInt8, address: UInt8) {
        self.vendorID = vendorID
        self.productID = productID
        self.bus = bus
        self.address = address
    }

    /// `lsusb` style: "0416:5011 bus 1 address 2".
    public var description: String {
        "\(hex4(vendorID)):\(hex4(productID)) bus \(bus) address \(address)"
    }

    /// Reads the identity of `device` (a `libusb_device *`) from the cached descriptor.
    init(device: OpaquePointer) {
        var descriptor = libusb_device_descriptor()
        // Cannot fail since libusb 1.0.16: the descriptor is cached at enumeration.
        _ = libusb_get_device_descriptor(device, &descriptor)
        self.init(
            vendorID: descriptor.idVendor, productID: descriptor.idProduct,
            bus: libusb_get_bus_number(device), address: libusb_get_device_address(device))
    }
}

/// A device found on the bus, with its strings where the device could be opened to read them
/// (a device without permission, see `Devices/udev/`, still shows its ids).
public struct USBDeviceInfo: Sendable, Hashable, Codable {
    public var id: USBDeviceID
    public var manufacturer: String?
    public var product: String?
    public var serialNumber: String?
    /// The class of each interface by interface number (7: printer, 3: HID, 2/10: CDC).
    public var interfaceClasses: [UInt8: UInt8]

    /// The USB printer interface class: the only devices a profile may match by vendor alone.
    public static let printerClass: UInt8 = 7

    public init(id: USBDeviceID, manufacturer: String? = nil, product: String? = nil, serialNumber: String? = nil,
                interfaceClasses: [UInt8: UInt8] = [:]) {
        self.id = id
        self.manufacturer = manufacturer
        self.product = product
        self.serialNumber = serialNumber
        self.interfaceClasses = interfaceClasses
    }

    public var vendorID: UInt16 { id.vendorID }
    public var productID: UInt16 { id.productID }
    public var bus: UInt8 { id.bus }
    public var address: UInt8 { id.address }
}

private func hex4(_ value: UInt16) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 4 - digits.count) + digits
}

/// String descriptors of an open device, decoded from UTF-16LE (not libusb's ASCII helper,
/// which turns Chinese vendor names into question marks).
struct StringDescriptorReader {
    let handle: OpaquePointer
    private let language: UInt16?

    init(handle: OpaquePointer) {
        self.handle = handle
        // String descriptor 0 lists the languages; the first is the device's default.
        let languages = Self.read(handle, index: 0, language: 0)
        language = languages.count >= 2 ? UInt16(languages[0]) | UInt16(languages[1]) << 8 : nil
    }

    func string(at index: UInt8) -> String? {
        guard index != 0, let language else { return nil }
        let bytes = Self.read(handle, index: index, language: language)
        guard !bytes.isEmpty else { return nil }
        let units = stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
        return String(decoding: units, as: UTF16.self)
    }

    /// The descriptor's payload after its two-byte header; empty when the device does not
    /// answer or answers with something that is not a string descriptor.
    private static func read(_ handle: OpaquePointer, index: UInt8, language: UInt16) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 255)
        let length = buffer.withUnsafeMutableBufferPointer {
            libusb_get_string_descriptor(handle, index, language, $0.baseAddress, Int32($0.count))
        }
        let stringType = UInt8(LIBUSB_DT_STRING.rawValue)
        guard (try? USBError.check(length, .readString)) != nil, length >= 2, buffer[1] == stringType else { return [] }
        let declared = min(Int(buffer[0]), Int(length))
        return declared > 2 ? Array(buffer[2..<declared]) : []
    }
}

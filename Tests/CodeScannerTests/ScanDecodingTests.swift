import CodeScanner
import Testing

@Suite struct ScanDecodingTests {
    @Test func serialCodesEndAtCROrLFAndSplitAcrossReads() {
        var framer = SerialScanFramer()
        #expect(framer.take(Array("P1:S01-2026".utf8)) == [])
        #expect(framer.take(Array("1129-0001:abcdefghijkl\r\n".utf8)) == [.code("P1:S01-20261129-0001:abcdefghijkl")])
        #expect(framer.take(Array("A\rB\n\n\rC".utf8)) == [.code("A"), .code("B")])
        #expect(framer.take([0x07, 0x44, 0x0D]) == [.code("CD")], "control bytes are dropped")
    }

    @Test func anOverlongSerialCodeIsDroppedWhole() {
        var framer = SerialScanFramer()
        let long = [UInt8](repeating: 0x41, count: SerialScanFramer.maximumLength + 1)
        #expect(framer.take(long + [0x0D] + Array("OK\r".utf8)) == [.overlong, .code("OK")])
    }

    /// Key events as a US keyboard-mode scanner types "P1:ab-9" and Enter.
    @Test func keyEventsBecomeACodeWithShiftFollowed() {
        var decoder = KeyboardScanDecoder()
        var outputs: [SerialScanFramer.Output] = []
        func press(_ code: UInt16, shift: Bool = false) {
            if shift { _ = decoder.take(type: 1, code: 42, value: 1) }
            for value: Int32 in [1, 0] {
                if let output = decoder.take(type: 1, code: code, value: value) { outputs.append(output) }
                _ = decoder.take(type: 0, code: 0, value: 0)   // SYN_REPORT
            }
            if shift { _ = decoder.take(type: 1, code: 42, value: 0) }
        }
        press(25, shift: true)   // P
        press(2)                 // 1
        press(39, shift: true)   // :
        press(30)                // a
        press(48)                // b
        press(12)                // -
        press(73)                // keypad 9
        press(28)                // Enter
        #expect(outputs == [.code("P1:ab-9")])
        press(28)
        #expect(outputs.count == 1, "Enter alone is no code")
    }
}

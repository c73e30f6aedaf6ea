import ArgumentParser
import CardReader
import Foundation
import KioskCore

struct IDCardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idcard", abstract: "The ID-card reader protocol.", subcommands: [Decode.self])

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode one raw read response frame from stdin and print the card as JSON (for a technician's diagnosis).")

        @Flag(help: "Standard input is hex text instead of binary.") var hex = false

        @Option(help: "The hall's time zone, whose date the card's validity is checked against.")
        var timeZone = "Asia/Shanghai"

        func run() throws {
            guard let zone = TimeZone(identifier: timeZone) else {
                throw ValidationError("unknown time zone \(timeZone) (an IANA name such as Asia/Shanghai)")
            }
            let input = FileHandle.standardInput.readDataToEndOfFile()
            do {
                let bytes = hex ? try CardReader.bytes(fromHex: String(decoding: input, as: UTF8.self)) : [UInt8](input)
                print(try decodeResponse(bytes: bytes, today: CardReaderDevice.today(in: zone)))
            } catch {
                throw fail(error)
            }
        }
    }
}

import Testing
@testable import KioskConfig

@Suite("TOML reader")
struct TOMLTests {
    func value(_ text: String, _ key: String = "k") throws -> TOMLValue? {
        try TOML.parse(text)[key]?.value
    }

    @Test func scalars() throws {
        #expect(try value(#"k = "a\tb \u00e9 \U0001F600""#) == .string("a\tb é 😀"))
        #expect(try value("k = 'C:\\path'") == .string("C:\\path"))
        #expect(try value("k = 1_000") == .integer(1000))
        #expect(try value("k = -17") == .integer(-17))
        #expect(try value("k = 0xff") == .integer(255))
        #expect(try value("k = 0o17") == .integer(15))
        #expect(try value("k = 0b101") == .integer(5))
        #expect(try value("k = 3.5e2") == .float(350))
        #expect(try value("k = -inf") == .float(-.infinity))
        #expect(try value("k = true") == .boolean(true))
        #expect(try value("k = 2026-07-01") == .dateTime("2026-07-01"))
        #expect(try value("k = 12:30:00") == .dateTime("12:30:00"))
        #expect(try value("k = 2026-07-01 12:30:00") == .dateTime("2026-07-01 12:30:00"))
    }

    @Test func multilineStrings() throws {
        #expect(try value("k = \"\"\"\nline one\nline two\"\"\"") == .string("line one\nline two"))
        #expect(try value("k = \"\"\"\na \\\n   b\"\"\"") == .string("a b"))
        #expect(try value("k = '''\nraw \\n'''") == .string("raw \\n"))
    }

    @Test func arraysAndInlineTables() throws {
        let doc = try TOML.parse("""
        a = [1, 2,
             3, # a comment
        ]
        t = { x = 1, y.z = "w" }
        """)
        #expect(doc["a"]?.value == .array([.integer(1), .integer(2), .integer(3)]))
        guard case .table(let t)? = doc["t"]?.value, case .table(let y)? = t["y"]?.value else {
            Issue.record("inline table missing")
            return
        }
        #expect(t["x"]?.value == .integer(1))
        #expect(y["z"]?.value == .string("w"))
    }

    @Test func tablesKeepLines() throws {
        let doc = try TOML.parse("""
        # header comment
        top = 1

        [devices]
        mode = "usb"
        [site.address]
        city = "北京"
        """)
        #expect(doc["top"]?.line == 2)
        guard case .table(let devices)? = doc["devices"]?.value else { Issue.record("no devices table"); return }
        #expect(devices["mode"]?.line == 5)
        #expect(devices["mode"]?.value == .string("usb"))
        guard case .table(let site)? = doc["site"]?.value, case .table(let address)? = site["address"]?.value else {
            Issue.record("no site.address table")
            return
        }
        #expect(address["city"]?.line == 7)
    }

    @Test func arrayOfTables() throws {
        let doc = try TOML.parse("""
        [[services]]
        id = "a"
        [[services]]
        id = "b"
        """)
        guard case .array(let items)? = doc["services"]?.value else { Issue.record("no services"); return }
        #expect(items.count == 2)
        guard case .table(let second) = items[1] else { Issue.record("not a table"); return }
        #expect(second["id"]?.value == .string("b"))
        #expect(second["id"]?.line == 4)
    }

    @Test(arguments: [
        ("a = 1\na = 2", 2, "'a' is already defined on line 1"),
        ("[t]\n[t]", 2, "the table 't' is already defined on line 1"),
        ("a = \"open", 1, "the string is not closed on its line"),
        ("a = hello", 1, "'hello' is not a value; strings need quotes"),
        ("\n\na = [1, 2", 3, "the array opened on line 3 is never closed"),
        ("a = 1 b = 2", 1, "unexpected 'b' after a value; each key = value goes on its own line"),
        ("a = 01", 1, "'01' is not a value; strings need quotes"),
        ("a = 1_", 1, "'1_' is not a value; strings need quotes"),
        ("a = \"\\q\"", 1, "'\\q' is not a valid escape"),
        ("a = 1\na.b = 2", 2, "'a.b' extends a key that is not a table (line 1)"),
        ("= 1", 1, "expected a key, found '='"),
        ("a =", 1, "expected a value at the end of the file"),
        ("[a", 1, "expected ']' to close the table header"),
    ])
    func errorsNameTheLine(text: String, line: Int, message: String) {
        #expect(throws: TOMLError(line: line, message: message)) { try TOML.parse(text) }
    }
}

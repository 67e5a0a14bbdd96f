/// Room names travel in URLs, tokens and file names: keep them to a safe alphabet.
public enum RoomName {
    /// The rule, as told to whoever sent a name that breaks it.
    public static let rule = "room names are 1–128 characters of letters, digits, '-', '_' and '.'"

    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 128 && name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F || c == 0x2E
        }
    }
}

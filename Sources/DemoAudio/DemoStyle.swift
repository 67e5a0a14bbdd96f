/// The demo catalog's musical styles, chosen to differ on every axis MFCC statistics can see:
/// tempo and drums, timbre (sine pads, saws, squares, plucked strings, distorted chords), and
/// harmony. Each style has two fictional artists with an album each, and words its track
/// titles are made of, so the demo catalog reads like a record shop's, not like file names.
public enum DemoStyle: String, CaseIterable, Sendable {
    case ambient, techno, rock, bossa, chiptune, piano
    case house, drumAndBass = "drum-and-bass", dub, synthwave, lofi, metal

    /// The genre, as a listener names it.
    public var title: String {
        switch self {
        case .ambient: return "Ambient"
        case .techno: return "Techno"
        case .rock: return "Garage Rock"
        case .bossa: return "Bossa Nova"
        case .chiptune: return "Chiptune"
        case .piano: return "Piano Ballad"
        case .house: return "Deep House"
        case .drumAndBass: return "Drum and Bass"
        case .dub: return "Dub"
        case .synthwave: return "Synthwave"
        case .lofi: return "Lo-Fi Beats"
        case .metal: return "Metal"
        }
    }

    /// Two artists per style; variant `v` is by `artists[v % 2]`, on `albums[v % 2]`.
    public var artists: [String] {
        switch self {
        case .ambient: return ["Glass Horizon", "Mira Solenne"]
        case .techno: return ["Concrete Pulse", "Unit 909"]
        case .rock: return ["The Loose Fuses", "Basement Saints"]
        case .bossa: return ["Lia Moreno Trio", "Copacabana Lights"]
        case .chiptune: return ["8-Bit Lagoon", "Pixel Foxes"]
        case .piano: return ["Clara Weiss", "Elias Brandt"]
        case .house: return ["Velvet Circuit", "Sunday Warehouse"]
        case .drumAndBass: return ["Breakline", "Sub Atlas"]
        case .dub: return ["King Echo Sound", "Roots Meridian"]
        case .synthwave: return ["Neon Drive 84", "Chrome Sunset"]
        case .lofi: return ["Rainy Window", "mellow.tapes"]
        case .metal: return ["Iron Vesper", "Grave Tide"]
        }
    }

    public var albums: [String] {
        switch self {
        case .ambient: return ["Slow Weather", "Afterlight Studies"]
        case .techno: return ["Night Shift", "Steel Frequencies"]
        case .rock: return ["Three Chords and a Van", "Loud Little Town"]
        case .bossa: return ["Praia Azul", "Noites de Rio"]
        case .chiptune: return ["Save Point", "Level Select"]
        case .piano: return ["Letters Home", "Quiet Rooms"]
        case .house: return ["Soft Floors", "After Hours Club"]
        case .drumAndBass: return ["Velocity", "Underground Tunnels"]
        case .dub: return ["Echo Chamber Sessions", "Bassline Sermons"]
        case .synthwave: return ["Midnight Highway", "Retro Futures"]
        case .lofi: return ["Study Tapes", "Coffee and Rain"]
        case .metal: return ["Forged in Static", "Black Harbour"]
        }
    }

    /// Six first words and four second words: 24 distinct titles per style.
    var titleWords: (first: [String], second: [String]) {
        switch self {
        case .ambient: return (["Drifting", "Pale", "Distant", "Silver", "Hollow", "Quiet"], ["Clouds", "Tides", "Fields", "Lanterns"])
        case .techno: return (["Hard", "Cold", "Iron", "Mechanic", "Binary", "Dark"], ["Circuit", "Engine", "Grid", "Signal"])
        case .rock: return (["Broken", "Loud", "Wild", "Dirty", "Burning", "Reckless"], ["Highway", "Guitars", "Heart", "Saturday"])
        case .bossa: return (["Sunny", "Gentle", "Golden", "Lazy", "Blue", "Sweet"], ["Samba", "Breeze", "Harbour", "Afternoon"])
        case .chiptune: return (["Super", "Mega", "Turbo", "Pixel", "Hyper", "Retro"], ["Quest", "Castle", "Jump", "Boss"])
        case .piano: return (["Winter", "Tender", "Lonely", "Evening", "Fading", "Little"], ["Waltz", "Letter", "Memory", "Prayer"])
        case .house: return (["Deep", "Warm", "Soulful", "Late", "Smooth", "Lifted"], ["Groove", "Feeling", "Garden", "Motion"])
        case .drumAndBass: return (["Rapid", "Liquid", "Rolling", "Atomic", "Shattered", "Urban"], ["Break", "Pressure", "Velocity", "Tunnel"])
        case .dub: return (["Heavy", "Smoky", "Rebel", "Deep", "Echoing", "Sunrise"], ["Riddim", "Version", "Skank", "Sound"])
        case .synthwave: return (["Neon", "Electric", "Midnight", "Chrome", "Laser", "Analog"], ["Dreams", "Drive", "Skyline", "Romance"])
        case .lofi: return (["Sleepy", "Rainy", "Dusty", "Cozy", "Faded", "Mellow"], ["Study", "Window", "Vinyl", "Sunday"])
        case .metal: return (["Iron", "Blood", "Raging", "Black", "Eternal", "Savage"], ["Storm", "Throne", "Fury", "Abyss"])
        }
    }

    /// The title of variant `variant`: distinct for the first 24 variants of a style, then
    /// numbered ("Part 2") so a larger catalog stays unambiguous.
    public func trackTitle(variant: Int) -> String {
        let (first, second) = titleWords
        let cycle = first.count * second.count
        let v = variant % cycle
        // Variants six apart differ in the second word too: (v/6 + v) % 4 steps by 7 ≡ 3 (mod 4).
        let title = "\(first[v % first.count]) \(second[(v / first.count + v) % second.count])"
        return variant < cycle ? title : "\(title), Part \(variant / cycle + 1)"
    }
}

import Foundation

/// Reads the reference files bundled with XanhCore (`Sources/XanhCore/Resources`).
public enum ResourceLoader {
    public enum LoadError: Error, CustomStringConvertible {
        case missing(String)
        public var description: String {
            switch self {
            case .missing(let name): return "reference file \(name) is missing from the XanhCore bundle"
            }
        }
    }

    public static func data(_ name: String) throws -> Data {
        let base = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        if let url = Bundle.module.url(forResource: base, withExtension: ext, subdirectory: "Resources")
            ?? Bundle.module.url(forResource: base, withExtension: ext)
        {
            return try Data(contentsOf: url)
        }
        throw LoadError.missing(name)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from name: String) throws -> T {
        try JSONDecoder().decode(T.self, from: data(name))
    }
}

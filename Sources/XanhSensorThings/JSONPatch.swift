import XanhStore
import XanhSQL
import Foundation
import XanhCore

/// RFC 6902 JSON Patch (add, remove, replace, move, copy, test) on a JSON document.
enum JSONPatch {
    static func apply(_ ops: JSONValue, to doc: JSONValue) throws -> JSONValue {
        guard case .array(let list) = ops else { throw STAError(.badRequest, "a JSON Patch is an array of operations") }
        var d = doc
        for (i, op) in list.enumerated() {
            guard let name = op["op"]?.stringValue, let path = op["path"]?.stringValue else {
                throw STAError(.badRequest, "JSON Patch operation \(i) needs 'op' and 'path'")
            }
            let pointer = try parse(path)
            switch name {
            case "add", "replace":
                guard let v = op["value"] else { throw STAError(.badRequest, "JSON Patch operation \(i) (\(name)) needs a 'value'") }
                d = try set(d, pointer[...], v, replace: name == "replace")
            case "remove": d = try remove(d, pointer[...])
            case "move", "copy":
                guard let from = op["from"]?.stringValue else { throw STAError(.badRequest, "JSON Patch operation \(i) (\(name)) needs 'from'") }
                let fp = try parse(from)
                guard let v = get(d, fp[...]) else { throw STAError(.badRequest, "JSON Patch operation \(i): nothing at \(from)") }
                if name == "move" { d = try remove(d, fp[...]) }
                d = try set(d, pointer[...], v, replace: false)
            case "test":
                guard get(d, pointer[...]) == op["value"] else { throw STAError(.badRequest, "JSON Patch test failed at \(path)") }
            default: throw STAError(.badRequest, "JSON Patch operation '\(name)' is not defined")
            }
        }
        return d
    }

    static func parse(_ path: String) throws -> [String] {
        guard path.hasPrefix("/") else { throw STAError(.badRequest, "JSON Pointer '\(path)' must start with '/'") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func get(_ d: JSONValue, _ p: ArraySlice<String>) -> JSONValue? {
        guard let k = p.first else { return d }
        switch d {
        case .object(let m): return m.last(where: { $0.0 == k }).flatMap { get($0.1, p.dropFirst()) }
        case .array(let a): return Int(k).flatMap { $0 < a.count ? get(a[$0], p.dropFirst()) : nil }
        default: return nil
        }
    }

    static func set(_ d: JSONValue, _ p: ArraySlice<String>, _ v: JSONValue, replace: Bool) throws -> JSONValue {
        guard let k = p.first else { return v }
        switch d {
        case .object(var m):
            if let i = m.lastIndex(where: { $0.0 == k }) {
                m[i].1 = try set(m[i].1, p.dropFirst(), v, replace: replace)
            } else {
                guard p.count == 1, !replace else {
                    throw STAError(.badRequest, "JSON Patch: nothing at '\(k)' to \(replace ? "replace" : "descend into")")
                }
                m.append((k, v))
            }
            return .object(m)
        case .array(var a):
            if p.count == 1, !replace {
                if k == "-" {
                    a.append(v)
                } else if let i = Int(k), i <= a.count {
                    a.insert(v, at: i)
                } else {
                    throw STAError(.badRequest, "JSON Patch: bad index '\(k)'")
                }
                return .array(a)
            }
            guard let i = Int(k), i < a.count else { throw STAError(.badRequest, "JSON Patch: bad index '\(k)'") }
            a[i] = try set(a[i], p.dropFirst(), v, replace: replace)
            return .array(a)
        case .null where p.count == 1 && !replace:
            return .object([(k, v)])
        default:
            throw STAError(.badRequest, "JSON Patch: '\(k)' is not inside an object or array")
        }
    }

    static func remove(_ d: JSONValue, _ p: ArraySlice<String>) throws -> JSONValue {
        guard let k = p.first else { return .null }
        switch d {
        case .object(var m):
            guard let i = m.lastIndex(where: { $0.0 == k }) else { throw STAError(.badRequest, "JSON Patch: nothing at '\(k)' to remove") }
            if p.count == 1 { m.remove(at: i) } else { m[i].1 = try remove(m[i].1, p.dropFirst()) }
            return .object(m)
        case .array(var a):
            guard let i = Int(k), i < a.count else { throw STAError(.badRequest, "JSON Patch: bad index '\(k)'") }
            if p.count == 1 { a.remove(at: i) } else { a[i] = try remove(a[i], p.dropFirst()) }
            return .array(a)
        default: throw STAError(.badRequest, "JSON Patch: nothing at '\(k)' to remove")
        }
    }
}

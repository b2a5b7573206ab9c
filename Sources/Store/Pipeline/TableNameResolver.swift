import Tables

/// Resolves row templates to table names on the writer thread: parses each template once and caches one name
/// per template and hour when the template has no conversion finer than an hour.
final class TableNameResolver {
    private struct Key: Hashable { let template: String; let bucket: Int64 }
    private var templates: [String: TableTemplate] = [:]
    private var cache: [Key: String] = [:]

    func resolve(_ text: String, microTimestamp: Int64) throws(StoreError) -> String {
        let template: TableTemplate
        if let known = templates[text] {
            template = known
        } else {
            // Templates come from a validated configuration or from this process's spool; one that does not
            // parse (e.g. a spool of an older version) dead-letters its rows.
            do {
                template = try TableTemplate(parsing: text)
            } catch {
                throw .badTableName(template: text, expanded: "\(error)")
            }
            if templates.count > 4096 { templates.removeAll(keepingCapacity: true) }
            templates[text] = template
        }
        guard template.isHourGranular else { return try Self.checked(template, microTimestamp) }
        let key = Key(template: text, bucket: TableName.floorDiv(microTimestamp, 3_600_000_000))
        if let name = cache[key] { return name }
        let name = try Self.checked(template, microTimestamp)
        if cache.count > 4096 { cache.removeAll(keepingCapacity: true) }
        cache[key] = name
        return name
    }

    private static func checked(_ template: TableTemplate, _ microTimestamp: Int64) throws(StoreError) -> String {
        let name = template.expand(microTimestamp: microTimestamp)
        guard TableName.isValid(name) else { throw .badTableName(template: template.template, expanded: name) }
        return name
    }
}

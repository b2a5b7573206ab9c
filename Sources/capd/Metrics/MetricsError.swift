/// Why a metric family could not be registered.
enum MetricsError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidMetricName(String)
    case missingPrefix(name: String, prefix: String)
    case invalidLabelName(metric: String, label: String)
    case duplicateFamily(String)

    var description: String {
        switch self {
        case .invalidMetricName(let name):
            return "invalid metric name '\(name)' (must match [a-zA-Z_:][a-zA-Z0-9_:]*)"
        case .missingPrefix(let name, let prefix):
            return "metric name '\(name)' must start with '\(prefix)'"
        case .invalidLabelName(let metric, let label):
            return "invalid label name '\(label)' on metric '\(metric)' (must match [a-zA-Z_][a-zA-Z0-9_]*, not __*, not le)"
        case .duplicateFamily(let name):
            return "metric family '\(name)' is registered twice"
        }
    }
}

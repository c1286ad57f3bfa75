import ChevetCore
import os

/// The core's log lines to the unified log. The core's lines carry ids and
/// kinds only; they are still marked private except in debug builds.
nonisolated final class OSLogSink: LogSink {
    private let logger = Logger(subsystem: "fr.chevet.Chevet", category: "core")

    func log(level: LogLevel, target: String, message: String) {
        switch level {
        case .error: logger.error("\(target, privacy: .public): \(message, privacy: .private)")
        case .warn: logger.warning("\(target, privacy: .public): \(message, privacy: .private)")
        case .info: logger.info("\(target, privacy: .public): \(message, privacy: .private)")
        case .debug: logger.debug("\(target, privacy: .public): \(message, privacy: .private)")
        }
    }
}

//! Forwards the core's `log` records to the app (Logcat, os_log) at a level
//! the app chooses. The core logs ids only, never personal data.

use std::sync::{Arc, OnceLock, RwLock};

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
}

impl LogLevel {
    fn filter(self) -> log::LevelFilter {
        match self {
            LogLevel::Error => log::LevelFilter::Error,
            LogLevel::Warn => log::LevelFilter::Warn,
            LogLevel::Info => log::LevelFilter::Info,
            LogLevel::Debug => log::LevelFilter::Debug,
        }
    }

    fn of(level: log::Level) -> Self {
        match level {
            log::Level::Error => LogLevel::Error,
            log::Level::Warn => LogLevel::Warn,
            log::Level::Info => LogLevel::Info,
            log::Level::Debug | log::Level::Trace => LogLevel::Debug,
        }
    }
}

/// Receives log lines; called on the thread that logged, keep it quick.
#[uniffi::export(foreign)]
pub trait LogSink: Send + Sync {
    fn log(&self, level: LogLevel, target: String, message: String);
}

struct Forwarder {
    sink: RwLock<Option<Arc<dyn LogSink>>>,
}

impl log::Log for Forwarder {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let sink = self.sink.read().ok().and_then(|s| s.clone());
        if let Some(sink) = sink {
            sink.log(LogLevel::of(record.level()), record.target().to_owned(), record.args().to_string());
        }
    }

    fn flush(&self) {}
}

static FORWARDER: OnceLock<&'static Forwarder> = OnceLock::new();

/// Sends the core's log lines at `level` and above to `sink` (replacing any
/// sink set before).
#[uniffi::export]
pub fn set_log_sink(sink: Arc<dyn LogSink>, level: LogLevel) {
    let forwarder = FORWARDER.get_or_init(|| {
        let f: &'static Forwarder = Box::leak(Box::new(Forwarder { sink: RwLock::new(None) }));
        // Fails only when another logger was installed first: then that one keeps the records.
        let _ = log::set_logger(f);
        f
    });
    if let Ok(mut s) = forwarder.sink.write() {
        *s = Some(sink);
    }
    log::set_max_level(level.filter());
}

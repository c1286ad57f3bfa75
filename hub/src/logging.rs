//! Structured logs: one JSON object per line on standard error, with level,
//! target and message. Messages carry ids and kinds only, never a body.

use std::io::Write;

use log::{Level, LevelFilter, Log, Metadata, Record};

struct JsonLogger {
    level: LevelFilter,
}

impl Log for JsonLogger {
    fn enabled(&self, m: &Metadata) -> bool {
        m.level() <= self.level
    }

    fn log(&self, r: &Record) {
        if !self.enabled(r.metadata()) {
            return;
        }
        let line = serde_json::json!({
            "ts": jiff::Timestamp::now().to_string(),
            "level": r.level().as_str(),
            "target": r.target(),
            "msg": r.args().to_string(),
        });
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }

    fn flush(&self) {}
}

/// Installs the JSON logger; `CHEVET_LOG` (error|warn|info|debug|trace)
/// overrides `default`.
pub fn init(default: LevelFilter) {
    let level =
        std::env::var("CHEVET_LOG").ok().and_then(|s| s.parse::<Level>().ok()).map_or(default, |l| l.to_level_filter());
    if log::set_boxed_logger(Box::new(JsonLogger { level })).is_ok() {
        log::set_max_level(level);
    }
}

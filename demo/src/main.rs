//! `chevet-demo [RESIDENTS_PER_FLOOR]`: a hub, an EHPAD and two tablets on
//! this machine, with no setup (see [`chevet_demo::system`]).

use std::process::ExitCode;

fn main() -> ExitCode {
    let per_floor = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        None => 20,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: chevet-demo [RESIDENTS_PER_FLOOR]  (a whole number, 20 by default)");
            return ExitCode::from(2);
        }
    };
    // The demo talks to a person: only errors go to the log.
    chevet_hub::logging::init(log::LevelFilter::Error);
    let result = tokio::runtime::Runtime::new()
        .map_err(|e| e.to_string())
        .and_then(|rt| rt.block_on(chevet_demo::system::run(per_floor)).map_err(|e| e.to_string()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chevet-demo: {e}");
            ExitCode::FAILURE
        }
    }
}

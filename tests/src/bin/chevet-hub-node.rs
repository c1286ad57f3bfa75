//! The hub's own command line (`chevet_hub::cli`, what `chevet-hub` runs),
//! built as a binary of this package so that its tests can start the hub as
//! separate processes: several nodes on one storage, SIGKILL loops.

fn main() -> std::process::ExitCode {
    chevet_hub::cli::run(std::env::args().skip(1).collect())
}

//! `chevet-hub`: run the sync hub or administer it (see [`chevet_hub::cli`]).

fn main() -> std::process::ExitCode {
    chevet_hub::cli::run(std::env::args().skip(1).collect())
}

//! The `igconform` binary: see `igconform --help` and [`conformance::cli`].

fn main() {
    std::process::exit(conformance::cli::main_with(std::env::args_os()));
}

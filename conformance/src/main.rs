//! `conformance`: see `conformance --help` and the README.

fn main() {
    std::process::exit(conformance::cli::main());
}

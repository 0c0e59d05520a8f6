//! The `idrift` binary: a thin layer over the library's command line.

fn main() {
    std::process::exit(idrift::cli::run(std::env::args_os()));
}

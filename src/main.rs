//! The `idrift` binary: a thin layer over the library's command line.

// Parsing allocates many small nodes; mimalloc serves them faster than the system allocator,
// for Rust's allocations and (below) tree-sitter's. It is built without transparent huge pages
// (Cargo.toml), which would otherwise add some 30 MB to the peak memory of every scan.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // SAFETY: called first, before any syntax tree exists, so no tree-sitter memory is ever
    // freed by an allocator other than the one that allocated it.
    unsafe {
        tree_sitter::set_allocator(
            Some(libmimalloc_sys::mi_malloc),
            Some(libmimalloc_sys::mi_calloc),
            Some(libmimalloc_sys::mi_realloc),
            Some(libmimalloc_sys::mi_free),
        );
    }
    std::process::exit(idrift::cli::run(std::env::args_os()));
}

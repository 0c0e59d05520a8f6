//! The entry catalog: how frameworks expose code to requests, and what else runs code.
//!
//! Framework knowledge lives here as data and one file per concern, not spread through the
//! frontends (which only turn syntax into the IR) or the analysis (which only reads the IR):
//! - [`roots`]: code that no request reaches — jobs, crons, consumers, scripts, migrations,
//!   seeds, a process's `main` — told by where it is and how it is registered.

pub mod roots;

pub use roots::non_request_root;

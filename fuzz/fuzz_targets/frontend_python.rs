//! Any bytes through the Python frontend and the whole analysis: no panic, no hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        idrift::fuzzing::analyse_source(idrift::lang::Language::Python, "views.py", text);
    }
});

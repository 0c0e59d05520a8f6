//! Any bytes as a workflow spec and as a provider file: a located error or a spec, no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = idrift::spec::parse_workflow("fuzz.yaml", text);
        let _ = idrift::spec::parse_provider("provider.yaml", text);
    }
});

//! Canonical workflow specs: the data that says what an identity workflow must look like.
//!
//! Rules are data. A spec file (`canonical/<provider>/<workflow>.yaml`) names the API calls that
//! anchor a workflow, the arguments that carry privilege or tenancy, and the checks that must
//! protect each call. A provider file (`provider.yaml`) says where session context comes from.
//! See `README.md` ("Spec format") for the full reference.

pub mod contract;
mod load;
mod model;

pub use load::{
    builtin_sources, load_builtin, load_dir, parse_provider, parse_workflow, ActionCalls, Anchor,
    SpecSet,
};
pub(crate) use load::{locate, matcher_problem};
pub use model::*;

/// The JSON Schema of a workflow spec file, for editors and `idrift specs schema`.
pub fn workflow_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(WorkflowSpec)).expect("schema serialises")
}

/// The JSON Schema of a provider file.
pub fn provider_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ProviderSpec)).expect("schema serialises")
}

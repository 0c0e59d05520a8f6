//! A provider's contract table (`canonical/<provider>/contract.yaml`): every operation of the
//! provider's API, and for each security-relevant one the workflow spec that anchors it — with
//! the SDK spellings of that operation per language and major version, and the SDK source file
//! each was read in — or the reason no spec covers it. It is what `idrift specs coverage`
//! prints, so a user sees what a clean report vouches for and what it does not; and the test
//! suite holds the specs to it (every spelling of an anchored operation is an action's call).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::SpecError;

/// The file name a contract table has in a spec folder.
pub const CONTRACT_FILE: &str = "contract.yaml";

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractTable {
    pub provider: String,
    /// Security-relevant operations, by the API's operation id.
    pub operations: BTreeMap<String, Operation>,
    /// The API's other operations, each with why it decides nothing about who may do what.
    #[serde(default)]
    pub not_security_relevant: BTreeMap<String, String>,
    /// SDK functions that call no operation but that specs name as an action's call or a check's
    /// (webhook signature verification, computed locally from the endpoint's secret), by a name of
    /// the table's, with their spellings like an operation's.
    #[serde(default)]
    pub sdk_helpers: BTreeMap<String, SdkHelper>,
}

/// An SDK function that calls no API operation (see [`ContractTable::sdk_helpers`]).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SdkHelper {
    /// What it does, in a few words.
    pub what: String,
    /// The workflow specs that name it.
    #[serde(deserialize_with = "one_or_many")]
    #[schemars(with = "Vec<String>")]
    pub workflow: Vec<String>,
    pub spellings: Vec<Spelling>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// What the operation does, in a few words.
    pub what: String,
    pub method: String,
    pub path: String,
    /// The workflow specs whose `contract` lists the operation; none when no spec covers it.
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(with = "Option<Vec<String>>")]
    pub workflow: Vec<String>,
    /// Why no spec covers the operation (required when `workflow` is empty).
    #[serde(default)]
    pub reason: Option<String>,
    /// What of a covered operation its workflows do not judge, and why (`updateOrganization`
    /// is anchored only when it changes domains; a rename is not judged).
    #[serde(default)]
    pub partial: Option<String>,
    /// The SDK calls that reach the operation (for anchored operations).
    #[serde(default)]
    pub spellings: Vec<Spelling>,
    /// SDKs with no call for the operation in any release read (an app reaches it only by
    /// hand-written HTTP), so a spec cannot list one.
    #[serde(default)]
    pub absent: Vec<Absence>,
    /// Literal body fields a hand-written REST call must carry to stand for the spellings
    /// (`grant_type: authorization_code`: `/user_management/authenticate` also refreshes
    /// tokens and signs in with passwords, which are not the code exchange).
    #[serde(default)]
    pub rest_body: BTreeMap<String, String>,
    /// The endpoint's other uses, told apart by literal body fields: a hand-written call that
    /// carries them stands for that SDK call instead (`grant_type: password` on
    /// `/user_management/authenticate` is `authenticateWithPassword`, a sign-in that returns the
    /// user it authenticated).
    #[serde(default)]
    pub rest_variants: Vec<RestVariant>,
}

/// One use of an endpoint that the SDK spells as a call of its own (see
/// [`Operation::rest_variants`]).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RestVariant {
    /// The Node SDK call a hand-written request with `body` stands for.
    pub call: String,
    /// Literal body fields that tell this use apart.
    pub body: BTreeMap<String, String>,
    /// The file of the SDK's repository that defines the call and serialises `body`.
    pub source: String,
    /// A release tag at which the file was read.
    pub tag: String,
}

/// An SDK that has no call for an operation.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Absence {
    pub sdk: Sdk,
    /// The newest release tag read without finding one.
    pub tag: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spelling {
    /// The SDK: `node`, `python`, `go`, `ruby`.
    pub sdk: Sdk,
    /// Major versions: `all`, `>=9`, `<=8`, `7-8`.
    pub versions: String,
    /// The call as a spec's `calls` writes it (`userManagement.sendInvitation`).
    pub call: String,
    /// The file of the SDK's repository that defines it.
    pub source: String,
    /// A release tag at which the file was read.
    pub tag: String,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Sdk {
    Node,
    Python,
    Go,
    Ruby,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}

/// Parses and checks a contract table: an operation no workflow covers says why, spellings
/// belong to anchored operations, and no operation is both relevant and not.
pub fn parse_contract(file: &str, text: &str) -> Result<ContractTable, SpecError> {
    super::load::check_size(file, text)?;
    let table: ContractTable =
        serde_yaml::from_str(text).map_err(|e| SpecError::from_yaml(file, e))?;
    let err = |path: &[&str], msg: String| SpecError::at(file, text, path, "", msg);
    for (id, op) in &table.operations {
        let blank_reason = op.reason.as_deref().is_none_or(|r| r.trim().is_empty());
        if op.workflow.is_empty() && blank_reason {
            return Err(err(
                &["operations", id],
                format!("operation `{id}` has no workflow and no `reason` why none covers it"),
            ));
        }
        if op.workflow.is_empty() && !op.spellings.is_empty() {
            return Err(err(
                &["operations", id, "spellings"],
                format!("operation `{id}` lists spellings but no workflow anchors it"),
            ));
        }
        if table.not_security_relevant.contains_key(id) {
            return Err(err(
                &["not_security_relevant", id],
                format!("operation `{id}` is listed both as security-relevant and as not"),
            ));
        }
    }
    for (id, helper) in &table.sdk_helpers {
        if helper.workflow.is_empty() || helper.spellings.is_empty() {
            return Err(err(
                &["sdk_helpers", id],
                format!(
                    "SDK helper `{id}` needs the workflows that anchor on it and its spellings"
                ),
            ));
        }
    }
    Ok(table)
}

/// One row of `idrift specs coverage`.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub provider: String,
    pub operation: String,
    pub what: String,
    pub method: String,
    pub path: String,
    /// The loaded workflows that anchor it; empty when none does.
    pub workflows: Vec<String>,
    /// Why no loaded workflow covers it.
    pub reason: Option<String>,
    /// What of it the covering workflows do not judge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial: Option<String>,
}

impl super::SpecSet {
    /// Every security-relevant operation of the loaded contract tables, with the loaded
    /// workflows whose `contract` lists it.
    pub fn coverage(&self) -> Vec<Coverage> {
        let mut rows = Vec::new();
        for (_, table) in &self.contracts {
            for (id, op) in &table.operations {
                let workflows: Vec<String> = self
                    .workflows
                    .iter()
                    .filter(|w| w.provider == table.provider && w.contract.contains(id))
                    .map(|w| w.id.clone())
                    .collect();
                let reason = workflows.is_empty().then(|| {
                    op.reason.clone().unwrap_or_else(|| {
                        format!(
                            "{} is not loaded (a preview workflow runs with --preview)",
                            op.workflow.join(", ")
                        )
                    })
                });
                rows.push(Coverage {
                    provider: table.provider.clone(),
                    operation: id.clone(),
                    what: op.what.clone(),
                    method: op.method.clone(),
                    path: op.path.clone(),
                    partial: (!workflows.is_empty())
                        .then(|| op.partial.clone())
                        .flatten(),
                    workflows,
                    reason,
                });
            }
        }
        rows
    }

    /// Where the contract tables and the workflow specs disagree: an operation a table says a
    /// workflow anchors that the workflow does not list, a workflow's operation the table does
    /// not know, a spelling of an anchored operation that is no call of its workflow, and a
    /// workflow's call that the table spells for none of its operations.
    pub fn contract_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (file, table) in &self.contracts {
            let specs: Vec<_> = self
                .workflows
                .iter()
                .filter(|w| w.provider == table.provider)
                .collect();
            // An SDK helper may be an action's call or a check's.
            let helpers = table
                .sdk_helpers
                .iter()
                .map(|(id, h)| (id, &h.workflow, &h.spellings, true));
            let operations = table
                .operations
                .iter()
                .map(|(id, op)| (id, &op.workflow, &op.spellings, false));
            for (id, workflows, spellings, helper) in operations.chain(helpers) {
                for wf in workflows {
                    let Some(spec) = specs.iter().find(|w| &w.id == wf) else {
                        out.push(format!(
                            "{file}: `{id}` names workflow `{wf}`, which is not loaded"
                        ));
                        continue;
                    };
                    if !helper && !spec.contract.contains(id) {
                        out.push(format!(
                            "{file}: `{id}` names workflow `{wf}`, whose `contract` does not list it"
                        ));
                    }
                    for s in spellings {
                        let checked = |c: &super::Check| {
                            c.any_of.iter().any(|m| {
                                m.call
                                    .iter()
                                    .chain(&m.verdict)
                                    .flatten()
                                    .any(|x| x == &s.call)
                            })
                        };
                        let called = spec.actions.values().any(|a| a.calls.contains(&s.call))
                            || (helper && spec.checks.values().any(checked));
                        if !called {
                            out.push(format!(
                                "{file}: `{id}` is called as `{}` ({:?} {}), which no action (nor, for an SDK helper, check) of `{wf}` lists",
                                s.call, s.sdk, s.versions
                            ));
                        }
                    }
                }
            }
            for spec in &specs {
                // Every call a workflow anchors on is a spelling the table read in an SDK.
                for (action, a) in &spec.actions {
                    for call in &a.calls {
                        let spelled = table
                            .operations
                            .values()
                            .map(|op| (&op.workflow, &op.spellings))
                            .chain(
                                table
                                    .sdk_helpers
                                    .values()
                                    .map(|h| (&h.workflow, &h.spellings)),
                            )
                            .any(|(workflows, spellings)| {
                                workflows.contains(&spec.id)
                                    && spellings.iter().any(|s| &s.call == call)
                            });
                        if !spelled {
                            out.push(format!(
                                "{file}: `{}` action `{action}` calls `{call}`, which the table spells for none of its operations",
                                spec.id
                            ));
                        }
                    }
                }
                for id in &spec.contract {
                    let known = table.operations.get(id);
                    match known {
                        None => out.push(format!(
                            "{file}: workflow `{}` lists `{id}`, which the table does not list as security-relevant",
                            spec.id
                        )),
                        Some(op) if !op.workflow.contains(&spec.id) => out.push(format!(
                            "{file}: workflow `{}` lists `{id}`, but the table does not name it there",
                            spec.id
                        )),
                        Some(_) => {}
                    }
                }
            }
        }
        out
    }
}

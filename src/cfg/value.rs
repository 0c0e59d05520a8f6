//! Symbolic values: where an argument's value comes from, as far as a flow-insensitive look at
//! the enclosing functions can tell. The CFG builder evaluates every call argument and every
//! name a branch condition mentions into a [`Value`]; the label stage classifies values with the
//! provider's session rules.

use serde::Serialize;

use crate::ir::ParamRole;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Value {
    /// A string, number, boolean or null literal.
    Literal {
        value: String,
    },
    /// A name or member chain not defined in the analysed functions: a module-level constant,
    /// an import, an SDK client (`workos.userManagement`), an enum member.
    Global {
        path: String,
    },
    /// A parameter of the entry function (or of a helper whose caller is unknown).
    Param {
        name: String,
        role: ParamRole,
    },
    /// The result of a call.
    CallResult {
        callee: String,
    },
    /// `base.property`.
    Member {
        base: Box<Value>,
        property: String,
    },
    Object {
        props: Vec<(String, Value)>,
    },
    Array {
        items: Vec<Value>,
    },
    /// One of several values (branches, `a ?? b`, `cond ? a : b`).
    Either {
        options: Vec<Value>,
    },
    /// The value flowed through a local variable of this name; kept so that a check on the
    /// variable can be related to the value.
    Var {
        name: String,
        value: Box<Value>,
    },
    /// A request-derived value computed by a non-SDK call (`new URL(request.url)`).
    Derived {
        from: Box<Value>,
        via: String,
    },
    /// Client input whose listed fields an input schema restricts to fixed values.
    SchemaInput {
        base: Box<Value>,
        validated: Vec<String>,
    },
    /// A field of [`Value::SchemaInput`] restricted to fixed values: allow-listed input.
    Validated {
        from: Box<Value>,
    },
    Unknown,
}

/// An object, a choice of values, or what a helper returned: values whose fields can be read.
fn is_structure(v: &Value) -> bool {
    match v.peel() {
        Value::Object { .. } | Value::Either { .. } => true,
        Value::Derived { via, .. } => !is_text(via) && !via.starts_with('.'),
        _ => false,
    }
}

/// `via` of text built from parts: a template (`${a}/b`) or a concatenation (`a + "/b"`).
pub const TEMPLATE: &str = "template";
pub const CONCAT: &str = "concat";
/// `via` of text whose address is fixed before any other value enters it: a path of this site
/// (`/login?next=${x}`), an absolute URL with its host and a path (`https://app.example/${x}`),
/// or a configured address followed by a path (`${process.env.LOGIN_URL}/verify?…`). What the
/// parts put after the address cannot send the browser elsewhere.
pub const ANCHORED_TEXT: &str = "text at a fixed address";

/// `via` of the bitwise difference of two values (`a[i] ^ b[i]`).
pub const XOR: &str = "^";

/// `via` of an equality test of two values handed on as a value (SQLAlchemy's
/// `select(User).where(User.email == email)`, a filter built from a column and what it must
/// equal): a lookup given it is given both sides.
pub const EQUALITY: &str = "==";

/// A function (or a package's: Go's `strings.ToLower`) named for normalising text:
/// `normalizeEmail`, `normalize_email`, `canonicalEmail`, `lower`, `strings.TrimSpace`.
pub fn is_text_normaliser(path: &str) -> bool {
    let name = path.rsplit('.').next().unwrap_or(path);
    crate::workflow::label::words(name).iter().any(|w| {
        matches!(
            w.as_str(),
            "normalize"
                | "normalise"
                | "normalized"
                | "normalised"
                | "canonical"
                | "canonicalize"
                | "canonicalise"
                | "lower"
                | "lowercase"
                | "downcase"
                | "casefold"
                | "trim"
        )
    })
}

/// How a value's own method turns it from text to bytes (Python's `secret.encode()`): the
/// derivation's `via`.
pub const TEXT_AS_BYTES: &str = ".encode";

/// Whether a call returns the data it was given in another type: bytes of text or text of bytes
/// (`Buffer.from(expected)`, `new TextEncoder().encode(s)`, `Uint8Array.from(b)`, Python's
/// `bytes(s)`, `bytes.fromhex(sig)`, `binascii.unhexlify(sig)`, Go's `hex.DecodeString(sig)`).
/// What it returns is still whoever's data it was: a signature compared in constant time as
/// `timingSafeEqual(Buffer.from(sig), Buffer.from(expected))` compares `expected`.
pub fn is_conversion(path: &str) -> bool {
    if path == TEXT_AS_BYTES {
        return true;
    }
    let mut segments = path.rsplit('.');
    let last = segments.next().unwrap_or(path);
    let receiver = segments.next().unwrap_or("");
    match last {
        "from" => matches!(receiver, "Buffer" | "Uint8Array" | "Array"),
        "encode" => receiver.starts_with("TextEncoder"),
        "fromhex" => receiver == "bytes",
        "Uint8Array" | "bytes" | "bytearray" | "unhexlify" => true,
        "DecodeString" | "EncodeToString" => receiver == "hex",
        _ => false,
    }
}

/// `via` of an unkeyed digest of a value (`hashlib.sha256(s).hexdigest()`, Node's
/// `createHash("sha256").update(s).digest("hex")`, Go's `sha256.Sum256(b)`, Ruby's
/// `Digest::SHA256.hexdigest(s)`). Two digests are equal when their inputs are, so a digest
/// compared with a kept digest compares the value; it reveals nothing of it, though.
pub const DIGEST: &str = "digest";

/// Whether a call computes an unkeyed digest of its argument, or (`.hexdigest()`, `.digest()`)
/// reads out the digest its receiver computed. A keyed one (an HMAC) is not: its key matters.
pub fn is_digest(path: &str) -> bool {
    if path == DIGEST {
        return true;
    }
    let mut segments = path.rsplit('.');
    let last = segments.next().unwrap_or(path);
    let receiver = segments.next().unwrap_or("");
    if path.to_ascii_lowercase().contains("hmac") {
        return false;
    }
    matches!(
        last,
        "sha1"
            | "sha224"
            | "sha256"
            | "sha384"
            | "sha512"
            | "sha3_256"
            | "sha3_512"
            | "blake2b"
            | "blake2s"
            | "md5"
            | "Sum256"
            | "Sum512"
            | "Sum224"
            | "Sum384"
            | "hexdigest"
            | "base64digest"
            | "digest"
    ) || (last == "Sum" && matches!(receiver, "md5" | "sha1"))
}

/// The `via` of a value read from the request by its key (`searchParams.get("state")`).
pub fn keyed_read_via(method: &str, key: &str) -> String {
    format!(".{method}({key:?})")
}

/// The key of a [`keyed_read_via`] derivation.
fn key_of_read(via: &str) -> Option<&str> {
    via.strip_prefix('.')?
        .split_once("(\"")?
        .1
        .strip_suffix("\")")
}

/// Whether a derivation built text around other values rather than computing a new value.
pub fn is_text(via: &str) -> bool {
    matches!(via, TEMPLATE | CONCAT | ANCHORED_TEXT)
}

/// Deepest value the evaluator builds; deeper expressions become `Unknown`.
pub const MAX_VALUE_DEPTH: usize = 24;

impl Value {
    /// The callees whose results this value is, or reads from: through variables, members,
    /// derivations and alternatives.
    pub fn producing_calls(&self, out: &mut Vec<String>) {
        match self {
            Value::CallResult { callee } => out.push(callee.clone()),
            Value::Derived { from, via } => {
                // A normaliser returns the text it was given, not data of its own.
                if !is_text_normaliser(via) {
                    out.push(via.clone());
                }
                from.producing_calls(out);
            }
            Value::Var { value, .. } => value.producing_calls(out),
            Value::Member { base, .. } => base.producing_calls(out),
            Value::Either { options } => options.iter().for_each(|o| o.producing_calls(out)),
            _ => {}
        }
    }

    /// The callees whose results this value holds anywhere in it: like
    /// [`Value::producing_calls`], and inside objects, lists and validated input too (`{ email:
    /// user.email }` holds a part of what returned `user`).
    pub fn results_held(&self, out: &mut Vec<String>) {
        match self {
            Value::CallResult { callee } => out.push(callee.clone()),
            Value::Derived { from, via } => {
                out.push(via.clone());
                from.results_held(out);
            }
            Value::Var { value: from, .. }
            | Value::Member { base: from, .. }
            | Value::SchemaInput { base: from, .. }
            | Value::Validated { from } => from.results_held(out),
            Value::Either { options: items } | Value::Array { items } => {
                items.iter().for_each(|o| o.results_held(out))
            }
            Value::Object { props } => props.iter().for_each(|(_, p)| p.results_held(out)),
            Value::Literal { .. } | Value::Global { .. } | Value::Param { .. } | Value::Unknown => {
            }
        }
    }

    pub fn member(base: Value, property: &str) -> Value {
        match base {
            // `{ a: x }.a` is `x`: keep destructuring precise.
            Value::Object { props } => props
                .into_iter()
                .rev()
                .find(|(k, _)| k == property)
                .map(|(_, v)| v)
                .unwrap_or(Value::Unknown),
            Value::Global { path } => Value::Global {
                path: format!("{path}.{property}"),
            },
            Value::Either { options } => {
                // A union of object shapes (`{ ok: false, response }` or `{ ok: true, orgId }`):
                // the field is the one of the shapes that have it; the others are the variant
                // the code told apart before reading it (`if (!guard.ok) return guard.response`).
                let lacks = |o: &Value| {
                    matches!(o.peel(), Value::Object { props }
                        if !props.iter().any(|(k, _)| k == property || k == "..."))
                };
                let with_field: Vec<Value> =
                    options.iter().filter(|o| !lacks(o)).cloned().collect();
                let kept = if with_field.is_empty() {
                    options
                } else {
                    with_field
                };
                Value::either(
                    kept.into_iter()
                        .map(|o| Value::member(o, property))
                        .collect(),
                )
            }
            Value::Unknown => Value::Unknown,
            // `user, err := f()`: the i-th of several results.
            Value::Array { items } if property.parse::<usize>().is_ok() => items
                .into_iter()
                .nth(property.parse::<usize>().unwrap_or(0))
                .unwrap_or(Value::Unknown),
            Value::SchemaInput { base, validated } => {
                let field = Value::member(*base, property);
                if validated.iter().any(|v| v == property) {
                    Value::Validated {
                        from: Box::new(field),
                    }
                } else {
                    field
                }
            }
            // A field of what a helper returned: look inside the returned structure. Not the
            // second result of a Go call computed from request input (`_, err := f(r.Context())`):
            // that is the call's error, no part of its arguments.
            Value::Derived { from, via }
                if !(is_text(&via)
                    || property.parse::<usize>().is_ok()
                        && matches!(from.peel(), Value::Derived { .. }))
                    && matches!(
                        from.peel(),
                        Value::Object { .. } | Value::Either { .. } | Value::Derived { .. }
                    ) =>
            {
                Value::Derived {
                    from: Box::new(Value::member(*from, property)),
                    via,
                }
            }
            // Reading a field of a local holding a structure (or schema-checked input) reads it.
            Value::Var { value, .. }
                if is_structure(&value) || matches!(*value, Value::SchemaInput { .. }) =>
            {
                Value::member(*value, property)
            }
            base => Value::Member {
                base: Box::new(base),
                property: property.to_string(),
            },
        }
    }

    pub fn either(mut options: Vec<Value>) -> Value {
        options.dedup();
        let mut flat = Vec::new();
        for o in options {
            match o {
                Value::Either { options } => flat.extend(options),
                o => {
                    if !flat.contains(&o) {
                        flat.push(o)
                    }
                }
            }
        }
        match flat.len() {
            0 => Value::Unknown,
            1 => flat.pop().unwrap(),
            _ => Value::Either { options: flat },
        }
    }

    /// The value with every `Var` wrapper removed, for comparing what two expressions read.
    pub fn stripped(&self) -> Value {
        match self {
            Value::Var { value, .. } => value.stripped(),
            Value::Member { base, property } => {
                let base = match base.stripped() {
                    // A field of client input is the same field whichever parameter carried it
                    // (`input.orgId` in a tRPC handler, `rawInput.orgId` in its middleware).
                    Value::Param {
                        role: ParamRole::Input,
                        ..
                    } => Value::Param {
                        name: "<input>".into(),
                        role: ParamRole::Input,
                    },
                    other => other,
                };
                Value::Member {
                    base: Box::new(base),
                    property: property.clone(),
                }
            }
            Value::Derived { from, via } => Value::Derived {
                from: Box::new(from.stripped()),
                via: via.clone(),
            },
            Value::Validated { from } => from.stripped(),
            Value::SchemaInput { base, .. } => base.stripped(),
            Value::Either { options } => {
                Value::either(options.iter().map(|o| o.stripped()).collect())
            }
            Value::Object { props } => Value::Object {
                props: props
                    .iter()
                    .map(|(k, v)| (k.clone(), v.stripped()))
                    .collect(),
            },
            Value::Array { items } => Value::Array {
                items: items.iter().map(|i| i.stripped()).collect(),
            },
            other => other.clone(),
        }
    }

    /// Whether the value is the same wherever the function reads it, unless the name holding
    /// it is reassigned: a parameter or a field of one, a literal, a module constant, what the
    /// request carries read out of it (`(await request.json()).send`). Not a call's result (two
    /// calls of one callee may answer differently), nor an element of a collection (a loop's
    /// variable is another element each time round).
    pub fn is_stable(&self) -> bool {
        match self {
            Value::Literal { .. } | Value::Param { .. } | Value::Global { .. } => true,
            Value::Derived { from, .. } => from.is_stable(),
            Value::Var { value, .. } => value.is_stable(),
            Value::Member { base, property } => property != "[]" && base.is_stable(),
            Value::SchemaInput { base, .. } => base.is_stable(),
            Value::Validated { from } => from.is_stable(),
            _ => false,
        }
    }

    /// Go's request context (`ctx`, `r.Context()`), handed to every SDK call: it names no
    /// record.
    pub fn is_go_context(&self) -> bool {
        match self {
            Value::Var { name, value } => name == "ctx" || value.is_go_context(),
            Value::Param { name, .. } => name == "ctx",
            Value::Derived { via, .. } => via == ".Context",
            _ => false,
        }
    }

    /// Removes `Var` wrappers.
    pub fn peel(&self) -> &Value {
        match self {
            Value::Var { value, .. } => value.peel(),
            v => v,
        }
    }

    /// The local variable names this value flowed through.
    pub fn var_names(&self, out: &mut Vec<String>) {
        match self {
            Value::Var { name, value } => {
                out.push(name.clone());
                value.var_names(out);
            }
            Value::Member { base, .. } => base.var_names(out),
            Value::Derived { from, .. } | Value::Validated { from } => from.var_names(out),
            Value::SchemaInput { base, .. } => base.var_names(out),
            Value::Either { options } => options.iter().for_each(|o| o.var_names(out)),
            _ => {}
        }
    }

    /// The names a value is known by in whatever shape it is compared: the locals that held it
    /// and the key it was read by (`request.args.get("state")`), through conversions, normalisers
    /// and digests. `sha256(returned.encode()).hexdigest()` is compared as `returned` and `state`.
    pub fn same_data_names(&self, out: &mut Vec<String>) {
        match self {
            Value::Var { name, value } => {
                out.push(name.clone());
                value.same_data_names(out);
            }
            Value::Derived { from, via } => {
                if let Some(key) = key_of_read(via) {
                    out.push(key.to_string());
                } else if is_conversion(via) || is_digest(via) || is_text_normaliser(via) {
                    from.same_data_names(out);
                }
            }
            // Ruby's `params[:state]`: a field of the request is read by its key too.
            Value::Member { base, property }
                if matches!(
                    base.peel(),
                    Value::Param {
                        role: ParamRole::Request,
                        ..
                    }
                ) =>
            {
                out.push(property.clone());
            }
            // `searchParams.get("state") ?? ""`: what the value is when it is not the fallback.
            Value::Either { options } => options.iter().for_each(|o| o.same_data_names(out)),
            _ => {}
        }
    }

    /// Alternatives of an `Either`, or the value itself.
    pub fn alternatives(&self) -> Vec<&Value> {
        match self.peel() {
            Value::Either { options } => options.iter().flat_map(|o| o.alternatives()).collect(),
            v => vec![v],
        }
    }

    /// A short human description (`request.json().role`, `withAuth().organizationId`).
    pub fn describe(&self) -> String {
        match self {
            Value::Literal { value } => format!("{value:?}"),
            Value::Global { path } => path.clone(),
            Value::Param { name, .. } => name.clone(),
            Value::CallResult { callee } => format!("{callee}()"),
            Value::Member { base, property } => format!("{}.{property}", base.describe()),
            Value::Object { props } => {
                let mut parts: Vec<String> = props
                    .iter()
                    .take(4)
                    .map(|(k, v)| format!("{k}: {}", v.describe()))
                    .collect();
                if props.len() > 4 {
                    parts.push("…".into());
                }
                format!("{{ {} }}", parts.join(", "))
            }
            Value::Array { items } => format!(
                "[{}]",
                items
                    .iter()
                    .map(|i| i.describe())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Value::Either { options } => options
                .iter()
                .map(|o| o.describe())
                .collect::<Vec<_>>()
                .join(" | "),
            Value::Var { value, .. } => value.describe(),
            Value::Derived { from, via } => match via.as_str() {
                v if is_text(v) => format!("text built from {}", from.describe()),
                v if v.starts_with('.') && v.ends_with(')') => format!("{}{v}", from.describe()),
                v if v.starts_with('.') => format!("{}{v}()", from.describe()),
                v => format!("{v}({})", from.describe()),
            },
            Value::SchemaInput { base, .. } => base.describe(),
            Value::Validated { from } => from.describe(),
            Value::Unknown => "unknown".into(),
        }
    }

    /// Nesting depth, to bound the evaluator on hostile input.
    /// The value cut to `budget` levels: a structure keeps the parts that fit and loses (as
    /// `Unknown`) those that do not, so that one deep field (`metadata: { ...user.metadata }`)
    /// does not hide its siblings (`userId: user.id`); a chain too deep is `Unknown` whole.
    pub fn within_depth(self, budget: usize) -> Value {
        if self.depth() <= budget {
            return self;
        }
        let Some(inner) = budget.checked_sub(1) else {
            return Value::Unknown;
        };
        match self {
            Value::Object { props } => Value::Object {
                props: props
                    .into_iter()
                    .map(|(k, v)| (k, v.within_depth(inner)))
                    .collect(),
            },
            Value::Array { items } => Value::Array {
                items: items.into_iter().map(|v| v.within_depth(inner)).collect(),
            },
            Value::Either { options } => Value::Either {
                options: options.into_iter().map(|v| v.within_depth(inner)).collect(),
            },
            _ => Value::Unknown,
        }
    }

    pub fn depth(&self) -> usize {
        match self {
            Value::Member { base, .. } => 1 + base.depth(),
            Value::Var { value, .. } => 1 + value.depth(),
            Value::Derived { from, .. } | Value::Validated { from } => 1 + from.depth(),
            Value::SchemaInput { base, .. } => 1 + base.depth(),
            Value::Object { props } => 1 + props.iter().map(|(_, v)| v.depth()).max().unwrap_or(0),
            Value::Array { items } => 1 + items.iter().map(|v| v.depth()).max().unwrap_or(0),
            Value::Either { options } => 1 + options.iter().map(|v| v.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Value;
    use crate::ir::ParamRole;

    fn call(callee: &str) -> Value {
        Value::CallResult {
            callee: callee.into(),
        }
    }

    fn var(name: &str, value: Value) -> Value {
        Value::Var {
            name: name.into(),
            value: Box::new(value),
        }
    }

    fn lit(s: &str) -> Value {
        Value::Literal { value: s.into() }
    }

    #[test]
    fn producing_calls_are_found_through_every_alternative() {
        // `const user = cached ?? await getUser()`: a check on `user` is about getUser's result.
        let v = var(
            "user",
            Value::Either {
                options: vec![lit("null"), Value::member(call("getUser"), "org")],
            },
        );
        let mut out = Vec::new();
        v.producing_calls(&mut out);
        assert_eq!(out, vec!["getUser".to_string()]);
    }

    #[test]
    fn a_numbered_member_of_several_results_is_that_result() {
        // Go's `user, err := f()`: `user` is the first result, `err` the second.
        let results = Value::Array {
            items: vec![call("f"), lit("nil")],
        };
        assert_eq!(Value::member(results.clone(), "0"), call("f"));
        assert_eq!(Value::member(results.clone(), "1"), lit("nil"));
        // A named property of an array is a member read, not an element.
        assert!(matches!(
            Value::member(results, "length"),
            Value::Member { property, .. } if property == "length"
        ));
    }

    #[test]
    fn a_field_of_a_union_of_shapes_is_the_field_of_the_shapes_that_have_it() {
        // `{ ok: false, response }` or `{ ok: true, organizationId }`: the route reads
        // `organizationId` only once `ok` told the shapes apart.
        let object = |props: Vec<(&str, Value)>| Value::Object {
            props: props.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        };
        let result = Value::Either {
            options: vec![
                object(vec![("ok", lit("false")), ("response", call("json"))]),
                object(vec![
                    ("ok", lit("true")),
                    ("organizationId", call("withAuth")),
                ]),
            ],
        };
        assert_eq!(
            Value::member(result.clone(), "organizationId"),
            call("withAuth")
        );
        assert_eq!(
            Value::member(result, "ok"),
            Value::Either {
                options: vec![lit("false"), lit("true")]
            }
        );
        // A shape spread from elsewhere may have the field; no shape has it: unknown.
        let spread = Value::Either {
            options: vec![
                object(vec![("...", call("loadTeam"))]),
                object(vec![("organizationId", call("withAuth"))]),
            ],
        };
        assert!(matches!(
            Value::member(spread, "organizationId"),
            Value::Either { options } if options.len() == 2
        ));
        let neither = Value::Either {
            options: vec![object(vec![("a", lit("1"))]), object(vec![("b", lit("2"))])],
        };
        assert_eq!(Value::member(neither, "organizationId"), Value::Unknown);
    }

    #[test]
    fn either_of_nothing_is_unknown_and_of_one_is_that_one() {
        assert_eq!(Value::either(vec![]), Value::Unknown);
        assert_eq!(Value::either(vec![lit("a"), lit("a")]), lit("a"));
        assert_eq!(
            Value::either(vec![lit("a"), lit("b")]),
            Value::Either {
                options: vec![lit("a"), lit("b")]
            }
        );
    }

    #[test]
    fn var_names_are_every_local_the_value_flowed_through() {
        // `const body = await req.json(); const { role } = body; const r = cond ? role : x`.
        let input = Value::Param {
            name: "req".into(),
            role: ParamRole::Request,
        };
        let body = var(
            "body",
            Value::Derived {
                from: Box::new(input),
                via: ".json".into(),
            },
        );
        let role = var("role", Value::member(body, "role"));
        let schema = Value::SchemaInput {
            base: Box::new(var("parsed", lit("x"))),
            validated: vec![],
        };
        let v = var(
            "r",
            Value::Either {
                options: vec![
                    role,
                    Value::Validated {
                        from: Box::new(var("v", lit("y"))),
                    },
                    schema,
                ],
            },
        );
        let mut names = Vec::new();
        v.var_names(&mut names);
        assert_eq!(names, vec!["r", "role", "body", "v", "parsed"]);
    }

    #[test]
    fn a_value_is_named_by_what_it_is_the_same_data_as() {
        let request = || Value::Param {
            name: "request".into(),
            role: ParamRole::Request,
        };
        let derived = |from: Value, via: &str| Value::Derived {
            from: Box::new(from),
            via: via.into(),
        };
        // `returned = args.get("state") or ""; d = sha256(returned.encode()).hexdigest()`.
        let returned = var(
            "returned",
            Value::Either {
                options: vec![
                    derived(request(), &super::keyed_read_via("get", "state")),
                    lit(""),
                ],
            },
        );
        let digest = var(
            "d",
            derived(derived(returned, super::TEXT_AS_BYTES), super::DIGEST),
        );
        let mut names = Vec::new();
        digest.same_data_names(&mut names);
        assert_eq!(names, vec!["d", "returned", "state"]);
        // Ruby's `params[:state]` through `Buffer.from` and a normaliser.
        let field = derived(
            derived(Value::member(request(), "state"), "Buffer.from"),
            "normalizeState",
        );
        let mut names = Vec::new();
        field.same_data_names(&mut names);
        assert_eq!(names, vec!["state"]);
        // Not what a value was picked from or built with: `memberships.find(…)`, a template,
        // a field of a server object, an HMAC keyed with the value.
        for other in [
            derived(var("memberships", call("list")), "memberships.find"),
            derived(var("state", lit("x")), super::TEMPLATE),
            Value::member(var("invitation", call("getInvitation")), "state"),
            derived(var("state", lit("x")), "crypto.createHmac().update"),
        ] {
            let mut names = Vec::new();
            other.same_data_names(&mut names);
            assert!(names.is_empty(), "{other:?} named {names:?}");
        }
    }

    #[test]
    fn a_digest_is_an_unkeyed_hash_and_never_an_hmac() {
        for digest in [
            "hashlib.sha256",
            "hashlib.md5",
            "hashlib.sha256().hexdigest",
            "sha256.Sum256",
            "md5.Sum",
            "Digest.SHA256.hexdigest",
            "Digest.SHA256.base64digest",
            super::DIGEST,
        ] {
            assert!(super::is_digest(digest), "{digest}");
        }
        for other in [
            "OpenSSL.HMAC.hexdigest",
            "hmac.new().hexdigest",
            "hashlib.new",
            "strings.Sum",
            "crypto.createHash",
            "update",
        ] {
            assert!(!super::is_digest(other), "{other}");
        }
    }

    #[test]
    fn depth_counts_every_level_of_every_shape() {
        // The evaluator turns a value deeper than MAX_VALUE_DEPTH into `Unknown`: every wrapper
        // must count, or a hostile input nests without bound through the one that does not.
        let leaf = lit("x");
        assert_eq!(leaf.depth(), 0);
        let wrappers: Vec<fn(Value) -> Value> = vec![
            |v| Value::Member {
                base: Box::new(v),
                property: "a".into(),
            },
            |v| var("v", v),
            |v| Value::Derived {
                from: Box::new(v),
                via: "g".into(),
            },
            |v| Value::Validated { from: Box::new(v) },
            |v| Value::SchemaInput {
                base: Box::new(v),
                validated: vec![],
            },
            |v| Value::Object {
                props: vec![("a".into(), lit("y")), ("b".into(), v)],
            },
            |v| Value::Array {
                items: vec![v, lit("y")],
            },
            |v| Value::Either {
                options: vec![lit("y"), v],
            },
        ];
        for (i, wrap) in wrappers.iter().enumerate() {
            assert_eq!(wrap(leaf.clone()).depth(), 1, "wrapper {i} around a leaf");
            assert_eq!(wrap(wrap(leaf.clone())).depth(), 2, "wrapper {i} twice");
            assert_eq!(
                wrap(wrap(wrap(leaf.clone()))).depth(),
                3,
                "wrapper {i} three times"
            );
        }
    }

    #[test]
    fn a_deep_field_is_cut_without_hiding_its_siblings() {
        let mut deep = lit("x");
        for _ in 0..10 {
            deep = var("v", deep);
        }
        let shallow = Value::Member {
            base: Box::new(call("session.user")),
            property: "id".into(),
        };
        let object = Value::Object {
            props: vec![
                ("userId".into(), shallow.clone()),
                ("metadata".into(), deep),
            ],
        };
        assert_eq!(
            object.within_depth(4),
            Value::Object {
                props: vec![
                    ("userId".into(), shallow.clone()),
                    ("metadata".into(), Value::Unknown)
                ],
            }
        );
        // A chain that does not fit is unknown whole; a value that fits is kept as it is.
        let chain = var("a", var("b", shallow.clone()));
        assert_eq!(chain.clone().within_depth(2), Value::Unknown);
        assert_eq!(chain.clone().within_depth(3), chain);
        // A list or a choice keeps its shallow items and loses only the deep one.
        let deep = var("a", var("b", var("c", lit("x"))));
        for (cut, kept) in [
            (
                Value::Array {
                    items: vec![lit("y"), deep.clone()],
                }
                .within_depth(2),
                Value::Array {
                    items: vec![lit("y"), Value::Unknown],
                },
            ),
            (
                Value::Either {
                    options: vec![deep, lit("y")],
                }
                .within_depth(2),
                Value::Either {
                    options: vec![Value::Unknown, lit("y")],
                },
            ),
        ] {
            assert_eq!(cut, kept);
        }
    }

    #[test]
    fn a_stable_value_is_the_same_wherever_the_function_reads_it() {
        let param = Value::Param {
            name: "request".into(),
            role: ParamRole::Request,
        };
        let read = |v: Value| Value::Derived {
            from: Box::new(v),
            via: ".json".into(),
        };
        for stable in [
            lit("x"),
            param.clone(),
            Value::Global {
                path: "process.env.X".into(),
            },
            var("body", read(param.clone())),
            Value::member(read(param.clone()), "send"),
            Value::SchemaInput {
                base: Box::new(param.clone()),
                validated: vec![],
            },
            Value::Validated {
                from: Box::new(param.clone()),
            },
        ] {
            assert!(stable.is_stable(), "{stable:?}");
        }
        for changing in [
            call("Date.now"),
            var("now", call("Date.now")),
            read(call("fetchBody")),
            // An element of a collection: another one each time round a loop.
            Value::member(param.clone(), "[]"),
            Value::member(call("list"), "id"),
            Value::SchemaInput {
                base: Box::new(call("parse")),
                validated: vec![],
            },
            Value::Validated {
                from: Box::new(call("parse")),
            },
            Value::Either {
                options: vec![lit("a"), lit("b")],
            },
        ] {
            assert!(!changing.is_stable(), "{changing:?}");
        }
    }

    #[test]
    fn go_request_context_is_ctx_or_what_context_returns() {
        let ctx = Value::Param {
            name: "ctx".into(),
            role: ParamRole::Context,
        };
        let request = Value::Param {
            name: "r".into(),
            role: ParamRole::Request,
        };
        let from_request = Value::Derived {
            from: Box::new(request.clone()),
            via: ".Context".into(),
        };
        for context in [
            ctx.clone(),
            var("ctx", call("context.Background")),
            var("c", ctx),
            from_request.clone(),
            var("reqCtx", from_request),
        ] {
            assert!(context.is_go_context(), "{context:?}");
        }
        for other in [
            request.clone(),
            var("id", lit("x")),
            Value::Derived {
                from: Box::new(request),
                via: ".Body".into(),
            },
            call("ctx"),
        ] {
            assert!(!other.is_go_context(), "{other:?}");
        }
    }

    #[test]
    fn a_conversion_keeps_the_data_in_another_type() {
        for conversion in [
            "Buffer.from",
            "Uint8Array.from",
            "TextEncoder.encode",
            "bytes.fromhex",
            "binascii.unhexlify",
            "hex.DecodeString",
            "hex.EncodeToString",
            super::TEXT_AS_BYTES,
        ] {
            assert!(super::is_conversion(conversion), "{conversion}");
        }
        for other in [
            "jwt.encode",
            "serializer.encode",
            "codecs.fromhex",
            "Object.from",
            "base64.DecodeString",
            "hashlib.sha256",
        ] {
            assert!(!super::is_conversion(other), "{other}");
        }
    }

    #[test]
    fn an_object_is_described_by_its_first_four_fields() {
        let props = |n: usize| Value::Object {
            props: (0..n).map(|i| (format!("k{i}"), lit("v"))).collect(),
        };
        assert_eq!(
            props(4).describe(),
            r#"{ k0: "v", k1: "v", k2: "v", k3: "v" }"#
        );
        assert_eq!(
            props(5).describe(),
            r#"{ k0: "v", k1: "v", k2: "v", k3: "v", … }"#
        );
    }

    #[test]
    fn the_results_a_value_holds_are_found_inside_objects_lists_and_derivations() {
        let result = |callee: &str| Value::CallResult {
            callee: callee.into(),
        };
        let user = Value::member(result("workos.userManagement.authenticateWithCode"), "user");
        let value = Value::Object {
            props: vec![
                ("email".into(), Value::member(user, "email")),
                (
                    "tags".into(),
                    Value::Array {
                        items: vec![Value::Validated {
                            from: Box::new(result("readTags")),
                        }],
                    },
                ),
                (
                    "url".into(),
                    Value::Derived {
                        from: Box::new(Value::Global { path: "x".into() }),
                        via: "getWorkOS().sso.getProfile".into(),
                    },
                ),
                (
                    "name".into(),
                    Value::Param {
                        name: "name".into(),
                        role: ParamRole::Input,
                    },
                ),
            ],
        };
        let mut held = Vec::new();
        value.results_held(&mut held);
        assert_eq!(
            held,
            [
                "workos.userManagement.authenticateWithCode",
                "readTags",
                "getWorkOS().sso.getProfile"
            ]
        );
    }
}

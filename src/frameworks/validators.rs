//! Validation libraries as allow-lists: an input schema that restricts a field to fixed values
//! (zod `z.enum([...])`, yup `.oneOf([...])`, valibot `v.picklist([...])`, Joi `.valid(...)`)
//! makes that field of the parsed result allow-listed request input, exactly as an `if (!ROLES
//! .includes(role)) return 400` would. A presence or type test (`z.string()`) is not one.

use crate::ir::{Call, Expr};

/// Fields of a builder chain's input schema that are restricted to fixed values:
/// `.input(z.object({ role: z.enum(["member", "admin"]) }))` gives `role` (tRPC).
pub fn enum_validated_fields(chain: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = chain.peel();
    while let Expr::Call(call) = cur {
        let Expr::Member { object, property } = call.callee.peel() else {
            break;
        };
        if property == "input" {
            if let Some(schema) = call.args.first() {
                out.extend(fixed_value_fields(&schema.value));
            }
        }
        cur = object.peel();
    }
    out
}

/// The fields of an object schema restricted to fixed values: `z.object({ role: z.enum([...]),
/// email: z.string() })` gives `role`; also through modifiers (`.strict()`) and yup's
/// `object().shape({...})`.
pub fn fixed_value_fields(schema: &Expr) -> Vec<String> {
    let mut cur = schema.peel();
    while let Expr::Call(call) = cur {
        if let Some(Expr::Object(props)) = call.args.first().map(|a| a.value.peel()) {
            return props
                .iter()
                .filter(|p| is_fixed_values_schema(&p.value))
                .map(|p| p.key.clone())
                .collect();
        }
        match call.callee.peel() {
            Expr::Member { object, .. } => cur = object.peel(),
            _ => break,
        }
    }
    Vec::new()
}

/// `z.enum([...])`, `z.literal(x)`, `z.nativeEnum(E)`, a union of literals, yup's and Joi's
/// `.oneOf([...])`/`.valid(...)`, valibot's `picklist`, with modifiers such as `.optional()` or
/// `.default(…)` around them.
pub fn is_fixed_values_schema(e: &Expr) -> bool {
    let mut cur = e.peel();
    while let Expr::Call(call) = cur {
        let path = call.callee.path().unwrap_or_default();
        let last = path.rsplit('.').next().unwrap_or("");
        match last {
            "enum" | "literal" | "nativeEnum" | "enum_" | "picklist" => return true,
            // yup/Joi: `string().oneOf(["member", "admin"])`, `string().valid("member")`.
            "oneOf" | "valid" | "equal" => return !call.args.is_empty(),
            // valibot's and zod's function forms wrap the schema: `v.optional(v.picklist([…]),
            // "member")`, `v.pipe(schema, …)`, `z.optional(schema)`.
            "optional" | "nullable" | "nullish" | "pipe" | "exactOptional" | "undefinedable"
                if call
                    .args
                    .first()
                    .is_some_and(|a| is_fixed_values_schema(&a.value)) =>
            {
                return true
            }
            "union" => {
                return call.args.first().is_some_and(|a| match a.value.peel() {
                    Expr::Array(items) => {
                        !items.is_empty() && items.iter().all(is_fixed_values_schema)
                    }
                    _ => false,
                })
            }
            _ => {}
        }
        match call.callee.peel() {
            Expr::Member { object, .. } => cur = object.peel(),
            _ => return false,
        }
    }
    false
}

/// How a call validates input against a schema, when it is such a call.
pub struct Validation<'c> {
    /// The schema expression (a name or the schema written inline).
    pub schema: &'c Expr,
    /// Which argument is the input.
    pub input: usize,
    /// The parsed input is a field of the result (`safeParse(x).data`) rather than the result.
    pub wrapped: bool,
}

/// `Schema.parse(input)`, `Schema.safeParse(input)` (zod), `schema.validate(input)` /
/// `validateSync` / `cast` (yup), `v.parse(Schema, input)` / `v.safeParse` (valibot). Joi's
/// `validate`, whose result is `{ value, error }`, is not read: its `value` stays request input.
pub fn validation(call: &Call) -> Option<Validation<'_>> {
    let Expr::Member { object, property } = call.callee.peel() else {
        return None;
    };
    let wrapped = matches!(property.as_str(), "safeParse" | "safeParseAsync");
    let plain = matches!(
        property.as_str(),
        "parse" | "parseAsync" | "validate" | "validateSync" | "validateAsync" | "cast"
    );
    if !wrapped && !plain {
        return None;
    }
    // valibot: `v.parse(Schema, input)`; the receiver is the library's namespace.
    if call.args.len() == 2 && matches!(call.args[0].value.peel(), Expr::Name(_) | Expr::Call(_)) {
        if let Expr::Name(ns) = object.peel() {
            if ns == "v" || ns == "valibot" {
                return Some(Validation {
                    schema: &call.args[0].value,
                    input: 1,
                    wrapped,
                });
            }
        }
    }
    call.args.first()?;
    Some(Validation {
        schema: object,
        input: 0,
        wrapped,
    })
}

/// The keys under which a wrapped result holds the parsed input (zod `data`, valibot `output`).
pub const WRAPPED_RESULT_KEYS: &[&str] = &["data", "output"];

/// Whether a declared field type admits only fixed values: `Literal["member", "viewer"]`
/// (Python, also inside `Optional[…]`), or a type that names an enumeration (`Role`,
/// `Option<Role>`, `list[Role]`); `is_enum` says which names are enumerations.
pub fn is_fixed_type(declared: &str, is_enum: impl Fn(&str) -> bool) -> bool {
    // Go: a `binding:"oneof=member viewer"` tag, which gin's binders enforce.
    declared.contains("Literal[")
        || declared.contains("oneof=")
        || type_names(declared).any(is_enum)
}

/// The names in a type as written (`Annotated[InviteBody, Body()]` gives `Annotated`,
/// `InviteBody`, `Body`).
pub fn type_names(declared: &str) -> impl Iterator<Item = &str> {
    declared
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
        })
}

/// Methods of a model class that parse input into it (pydantic v2 and v1): `InviteBody
/// .model_validate(data)`; calling the class (`InviteBody(**data)`) parses too.
pub const MODEL_PARSERS: &[&str] = &[
    "model_validate",
    "model_validate_json",
    "parse_obj",
    "parse_raw",
];

/// The model class a call parses its first argument into, by name: `Model.model_validate(data)`
/// (calling the class itself is a conversion, read where calls are). Whether the name is a model
/// is for the caller to tell.
pub fn model_parse(call: &Call) -> Option<&str> {
    match call.callee.peel() {
        Expr::Member { object, property } if MODEL_PARSERS.contains(&property.as_str()) => {
            match object.peel() {
                Expr::Name(name) => Some(name),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_types_are_literals_and_enumerations() {
        let is_enum = |n: &str| n == "Role";
        assert!(is_fixed_type(r#"Literal["member", "viewer"]"#, is_enum));
        assert!(is_fixed_type(r#"Optional[Literal["member"]]"#, is_enum));
        assert!(is_fixed_type("Role", is_enum));
        assert!(is_fixed_type("Option Role", is_enum));
        assert!(is_fixed_type("list[Role] | None", is_enum));
        // A string, or a name that merely contains the enumeration's, admits anything.
        assert!(!is_fixed_type("str", is_enum));
        assert!(!is_fixed_type("String", is_enum));
        assert!(!is_fixed_type("RoleName", is_enum));
        assert!(!is_fixed_type("Optional[str]", is_enum));
    }

    #[test]
    fn type_names_skip_literal_values_and_punctuation() {
        let names: Vec<&str> = type_names(r#"Annotated[InviteBody, Body(embed=True)]"#).collect();
        assert_eq!(names, ["Annotated", "InviteBody", "Body", "embed", "True"]);
        let names: Vec<&str> = type_names("Json<InviteBody>").collect();
        assert_eq!(names, ["Json", "InviteBody"]);
    }
}

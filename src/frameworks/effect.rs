//! Effect (`effect`, `@effect/*`): programs are values run by `yield*`, handlers are registered by
//! name on an HTTP API group, and the request's caller comes from the context the API's
//! middleware provides.
//!
//! - `const requireAdmin = Effect.gen(function* () { … })` is a program: `yield* requireAdmin`
//!   runs its body there, as a call would. The generator becomes a function named
//!   `requireAdmin`, and each `yield* requireAdmin` a call to it.
//! - `yield* AuthContext` reads a service from the context; it becomes a call to the tag
//!   (`AuthContext()`), so a provider can name the tags that hold the signed-in caller as it
//!   names session calls.
//! - `handlers.handle("inviteMember", ({ payload }) => …)` is an entry (see [`handlers`]).

use crate::ir::*;

use crate::ir::rewrite_stmts;

/// Calls whose function argument is an Effect program's body.
const PROGRAM_CONSTRUCTORS: &[&str] = &["Effect.gen", "Effect.fn", "Effect.fnUntraced"];

/// Recognises Effect's idioms in a module that imports it.
pub fn recognise(module: &mut Module) {
    let uses_effect = module.imports.iter().any(|i| {
        i.source == "effect" || i.source.starts_with("effect/") || i.source.starts_with("@effect/")
    });
    if !uses_effect {
        return;
    }
    let mut programs = Vec::new();
    bind_programs(&mut module.top_level, &mut programs);
    for f in 0..module.functions.len() {
        let mut body = std::mem::take(&mut module.functions[f].body);
        bind_programs(&mut body, &mut programs);
        module.functions[f].body = body;
    }
    for (name, id) in &programs {
        let f = &mut module.functions[*id];
        f.name = name.clone();
        f.callable = true;
    }
    let exported = module.exported_values.clone();
    for (name, id) in &programs {
        if exported.contains(name) {
            module.functions[*id].exported = true;
        }
    }
    let names: Vec<String> = programs.into_iter().map(|(n, _)| n).collect();
    for f in &mut module.functions {
        rewrite_stmts(&mut f.body, &mut |e| {
            let Expr::Await(inner) = e else { return };
            let Expr::Name(name) = inner.as_ref() else {
                return;
            };
            if names.contains(name) || is_tag_name(name) {
                **inner = Expr::Call(Box::new(Call {
                    callee: Expr::Name(name.clone()),
                    args: Vec::new(),
                    span: Span::default(),
                    construct: false,
                }));
            }
        });
    }
    handlers(module);
}

/// A context tag or service class: `AuthContext`, `WorkOSClient` (capitalised, as classes are).
fn is_tag_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

/// `const x = Effect.gen(function* () { … })`: binds `x` to the program's body, a function, in
/// these statements and the blocks inside them.
fn bind_programs(stmts: &mut [Stmt], found: &mut Vec<(String, FunctionId)>) {
    for s in stmts {
        match s {
            Stmt::Let {
                bindings,
                value: Some(value),
                ..
            } => {
                let [binding] = bindings.as_slice() else {
                    continue;
                };
                if !binding.path.is_empty() {
                    continue;
                }
                let Expr::Call(call) = value.peel() else {
                    continue;
                };
                let is_program = call
                    .callee
                    .path()
                    .is_some_and(|p| PROGRAM_CONSTRUCTORS.contains(&p.as_str()));
                let body = call.args.iter().rev().find_map(|a| match a.value.peel() {
                    Expr::Function(id) => Some(*id),
                    _ => None,
                });
                if let (true, Some(id)) = (is_program, body) {
                    found.push((binding.name.clone(), id));
                    *value = Expr::Function(id);
                }
            }
            Stmt::If {
                then, otherwise, ..
            } => {
                bind_programs(then, found);
                bind_programs(otherwise, found);
            }
            Stmt::Loop { body, .. } | Stmt::Block { body } => bind_programs(body, found),
            Stmt::Switch { cases, .. } => {
                for c in cases {
                    bind_programs(&mut c.body, found);
                }
            }
            Stmt::Try {
                body,
                catch,
                finally,
                ..
            } => {
                bind_programs(body, found);
                if let Some(c) = catch {
                    bind_programs(c, found);
                }
                bind_programs(finally, found);
            }
            _ => {}
        }
    }
}

/// Effect's HTTP API handlers: `HttpApiBuilder.group(Api, "account", (handlers) => handlers
/// .handle("inviteMember", ({ payload }) => Effect.gen(function* () { … })))`. Each handler is an
/// entry named by its endpoint; its `payload`, `params` and `urlParams` are client input.
fn handlers(module: &mut Module) {
    let mut found: Vec<(String, FunctionId, Span)> = Vec::new();
    for f in &module.functions {
        crate::ir::visit_stmts(&f.body, &mut |e| {
            let Expr::Call(call) = e else { return };
            let Expr::Member { property, .. } = call.callee.peel() else {
                return;
            };
            if property != "handle" {
                return;
            }
            if let [name, handler] = call.args.as_slice() {
                if let (Expr::Literal(Literal::Str(n)), Expr::Function(id)) =
                    (name.value.peel(), handler.value.peel())
                {
                    found.push((n.clone(), *id, call.span));
                }
            }
        });
    }
    for (name, id, span) in found {
        let f = &mut module.functions[id];
        f.name = name;
        for p in f.params.iter_mut() {
            for b in p.bindings.iter_mut() {
                if matches!(b.name.as_str(), "payload" | "params" | "urlParams" | "path") {
                    b.role = Some(ParamRole::Input);
                }
            }
        }
        module
            .entries
            .push(EntryPoint::plain(Expr::Function(id), EntryKind::Rpc, span));
    }
}

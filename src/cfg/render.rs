//! CFGs as Mermaid flowcharts and Graphviz DOT, for snapshots and for people who would rather
//! look than read.

use std::collections::HashSet;
use std::fmt::Write;

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::{Cfg, Edge, NodeKind};

fn shape(kind: &NodeKind) -> (&'static str, &'static str) {
    match kind {
        NodeKind::Entry | NodeKind::Exit | NodeKind::Denied => ("([", "])"),
        NodeKind::Branch { .. } => ("{", "}"),
        NodeKind::Join { .. } => ("((", "))"),
        _ => ("[", "]"),
    }
}

fn edge_label(e: Edge) -> Option<&'static str> {
    match e {
        Edge::Normal => None,
        Edge::True => Some("true"),
        Edge::False => Some("false"),
        Edge::Exception => Some("throws"),
        Edge::Skip => Some("skipped"),
    }
}

fn node_text(cfg: &Cfg, n: NodeIndex) -> String {
    let node = cfg.node(n);
    let loc = match node.kind {
        NodeKind::Exit | NodeKind::Denied => String::new(),
        _ => format!("{}:{} ", short_file(&node.file), node.span.line),
    };
    format!("{loc}{}", node.label)
}

fn short_file(f: &str) -> &str {
    f.rsplit('/').next().unwrap_or(f)
}

/// Nodes reachable from the entry, in index order: unreachable leftovers (code after a return)
/// are left out.
fn reachable(cfg: &Cfg) -> Vec<NodeIndex> {
    let mut seen = HashSet::new();
    let mut stack = vec![cfg.entry];
    while let Some(n) = stack.pop() {
        if seen.insert(n) {
            stack.extend(cfg.graph.neighbors(n));
        }
    }
    let mut out: Vec<NodeIndex> = seen.into_iter().collect();
    out.sort();
    out
}

/// Edges leaving the kept nodes, in a stable order.
fn sorted_edges(cfg: &Cfg, keep: &HashSet<NodeIndex>) -> Vec<(NodeIndex, NodeIndex, Edge)> {
    let mut edges: Vec<_> = cfg
        .graph
        .edge_references()
        .filter(|e| keep.contains(&e.source()))
        .map(|e| (e.source(), e.target(), *e.weight()))
        .collect();
    edges.sort_by_key(|(a, b, _)| (*a, *b));
    edges
}

/// Mermaid flowchart; nodes in `highlight` (a witness path) are drawn in red.
pub fn mermaid(cfg: &Cfg, highlight: &[NodeIndex]) -> String {
    let nodes = reachable(cfg);
    let keep: HashSet<NodeIndex> = nodes.iter().copied().collect();
    let mut out = String::from("flowchart TD\n");
    for n in &nodes {
        let (open, close) = shape(&cfg.node(*n).kind);
        let text = node_text(cfg, *n).replace('"', "#quot;");
        let _ = writeln!(out, "    n{}{open}\"{text}\"{close}", n.index());
    }
    let edges = sorted_edges(cfg, &keep);
    for (a, b, w) in edges {
        match edge_label(w) {
            Some(l) => {
                let _ = writeln!(out, "    n{} -->|{l}| n{}", a.index(), b.index());
            }
            None => {
                let _ = writeln!(out, "    n{} --> n{}", a.index(), b.index());
            }
        }
    }
    if !highlight.is_empty() {
        out.push_str("    classDef witness fill:#fdd,stroke:#c00,stroke-width:2px\n");
        let ids: Vec<String> = highlight
            .iter()
            .map(|n| format!("n{}", n.index()))
            .collect();
        let _ = writeln!(out, "    class {} witness", ids.join(","));
    }
    out
}

/// Graphviz DOT.
pub fn dot(cfg: &Cfg) -> String {
    let nodes = reachable(cfg);
    let keep: HashSet<NodeIndex> = nodes.iter().copied().collect();
    let mut out = String::from("digraph cfg {\n    node [fontname=\"monospace\"];\n");
    for n in &nodes {
        let shape = match cfg.node(*n).kind {
            NodeKind::Branch { .. } => "diamond",
            NodeKind::Entry | NodeKind::Exit | NodeKind::Denied => "oval",
            NodeKind::Join { .. } => "circle",
            _ => "box",
        };
        let text = node_text(cfg, *n)
            .replace('\\', "\\\\")
            .replace('"', "\\\"");
        let _ = writeln!(out, "    n{} [shape={shape}, label=\"{text}\"];", n.index());
    }
    let edges = sorted_edges(cfg, &keep);
    for (a, b, w) in edges {
        match edge_label(w) {
            Some(l) => {
                let _ = writeln!(out, "    n{} -> n{} [label=\"{l}\"];", a.index(), b.index());
            }
            None => {
                let _ = writeln!(out, "    n{} -> n{};", a.index(), b.index());
            }
        }
    }
    out.push_str("}\n");
    out
}

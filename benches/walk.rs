//! The walk, measured: idrift's own walker (`discover`) against the `ignore` crate's parallel
//! walker (ripgrep's), each finding the same kind of files and reading every one, and both
//! beside a whole scan, so the walk's share of a scan is a ratio measured in one run.
//!
//! `cargo bench --bench walk -- CHECKOUT [CHECKOUT...]` (release build; 5 rounds, medians).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use idrift::discover::{self, WalkOptions};
use idrift::lang::Language;

const ROUNDS: usize = 5;

/// The own walker: every source file it lists, read to the end.
fn own_walk(root: &Path) -> usize {
    let (walk, bytes) = discover::discover(root, &WalkOptions::default(), &|_, handle| {
        handle
            .and_then(|mut f| {
                let mut text = Vec::new();
                std::io::Read::read_to_end(&mut f, &mut text).map(|_| text.len())
            })
            .unwrap_or(0)
    })
    .expect("walk");
    assert_eq!(walk.files.len(), bytes.len());
    bytes.iter().sum()
}

/// The `ignore` crate's parallel walker with the same rules: ignore files, hidden entries, the
/// dependency and test folders idrift skips, source extensions only; every file read.
fn ignore_walk(root: &Path) -> usize {
    let total = AtomicUsize::new(0);
    ignore::WalkBuilder::new(root)
        .follow_links(false)
        .build_parallel()
        .run(|| {
            let total = &total;
            Box::new(move |entry| {
                let Ok(entry) = entry else {
                    return ignore::WalkState::Continue;
                };
                let rel = discover::relative(root, entry.path());
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                if is_dir {
                    if !rel.is_empty() && discover::skipped_by_name(&format!("{rel}/x.ts"), false) {
                        return ignore::WalkState::Skip;
                    }
                    return ignore::WalkState::Continue;
                }
                if Language::for_path(&rel).is_some() && !discover::skipped_by_name(&rel, false) {
                    if let Ok(text) = std::fs::read(entry.path()) {
                        total.fetch_add(text.len(), Ordering::Relaxed);
                    }
                }
                ignore::WalkState::Continue
            })
        });
    total.into_inner()
}

fn scan(root: &Path) -> usize {
    let specs = idrift::spec::load_builtin().expect("specs");
    let analysis = idrift::analyse(root, &specs, &idrift::ScanOptions::default()).expect("scan");
    analysis.report.stats.files
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let paths: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if paths.is_empty() {
        eprintln!("usage: cargo bench --bench walk -- CHECKOUT [CHECKOUT...]");
        return;
    }
    println!("| checkout | files | own walk | ignore walk | scan | own walk / scan | ignore walk / scan |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for p in paths {
        let root = Path::new(&p);
        // Warm the page cache once for every contender.
        let (own_bytes, ignore_bytes, files) = (own_walk(root), ignore_walk(root), scan(root));
        let mut own = Vec::new();
        let mut other = Vec::new();
        let mut whole = Vec::new();
        for _ in 0..ROUNDS {
            let t = Instant::now();
            own_walk(root);
            own.push(t.elapsed());
            let t = Instant::now();
            ignore_walk(root);
            other.push(t.elapsed());
            let t = Instant::now();
            scan(root);
            whole.push(t.elapsed());
        }
        let (own, other, whole) = (median(own), median(other), median(whole));
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        println!(
            "| {name} | {files} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} % | {:.0} % |",
            own.as_secs_f64() * 1e3,
            other.as_secs_f64() * 1e3,
            whole.as_secs_f64() * 1e3,
            100.0 * own.as_secs_f64() / whole.as_secs_f64(),
            100.0 * other.as_secs_f64() / whole.as_secs_f64(),
        );
        if own_bytes != ignore_bytes {
            println!(
                "|  (bytes read differ: own {own_bytes}, ignore {ignore_bytes}) | | | | | | |"
            );
        }
    }
}

//! Which files a scan reads: the walk honours ignore files as git and ripgrep do, skips
//! dependency, build and test folders, hidden entries and symbolic links, and lists what it
//! cannot read.

use std::path::Path;

use idrift::discover::{discover, WalkOptions};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The files a walk of `root` visits, in report order, and whether each arrived open.
fn walked(root: &Path, options: &WalkOptions) -> Vec<String> {
    let (found, opened) = discover(root, options, &|_, handle| handle.is_ok()).unwrap();
    assert!(opened.iter().all(|ok| *ok), "every listed file is opened");
    found.files.into_iter().map(|f| f.rel).collect()
}

#[test]
fn gitignore_files_apply_in_their_folder_and_below_the_deepest_deciding() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for f in [
        "app/page.ts",
        "app/generated/client.ts",
        "app/generated/keep.ts",
        "lib/local.ts",
        "lib/deep/local.ts",
        "other/local.ts",
        "notes.txt",
    ] {
        write(root, f, "export const x = 1;\n");
    }
    write(root, ".gitignore", "generated/\n");
    // A deeper file overrides a shallower one; `!` brings a file back.
    write(root, "lib/.gitignore", "local.ts\n");
    write(root, "lib/deep/.gitignore", "!local.ts\n");
    assert_eq!(
        walked(root, &WalkOptions::default()),
        ["app/page.ts", "lib/deep/local.ts", "other/local.ts"]
    );
}

#[test]
fn dot_ignore_outranks_gitignore_and_git_exclude_applies() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for f in ["a.ts", "b.ts", "c.ts", "d.ts"] {
        write(root, f, "export const x = 1;\n");
    }
    write(root, ".gitignore", "a.ts\nb.ts\n");
    write(root, ".ignore", "!a.ts\n");
    write(root, ".git/info/exclude", "c.ts\n");
    assert_eq!(walked(root, &WalkOptions::default()), ["a.ts", "d.ts"]);
}

#[test]
fn ignore_files_above_the_scanned_folder_apply_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", "*.gen.ts\n/web/legacy/\n");
    write(root, "web/app/page.ts", "export const x = 1;\n");
    write(root, "web/app/api.gen.ts", "export const x = 1;\n");
    write(root, "web/legacy/old.ts", "export const x = 1;\n");
    assert_eq!(
        walked(&root.join("web"), &WalkOptions::default()),
        ["app/page.ts"]
    );
}

#[test]
fn dependency_test_and_hidden_folders_are_skipped_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for f in [
        "src/route.ts",
        "src/route.test.ts",
        "src/types.d.ts",
        "node_modules/pkg/index.js",
        "dist/bundle.js",
        ".cache/x.ts",
        "tests/helpers.py",
        "src/legacy/old.go",
        "src/user.spec.tsx",
        "vitest.setup.ts",
        "src/setupTests.ts",
        "e2e/login.ts",
        "src/build.ts",
        "lib/vendor.js",
        "app.min.js",
    ] {
        write(root, f, "x\n");
    }
    // A folder name excludes only folders (`build/`); a name pattern any entry.
    assert_eq!(
        walked(root, &WalkOptions::default()),
        [
            "lib/vendor.js",
            "src/build.ts",
            "src/legacy/old.go",
            "src/route.ts"
        ]
    );
    let options = WalkOptions {
        exclude: vec!["src/legacy/".into()],
        include_tests: true,
    };
    assert_eq!(
        walked(root, &options),
        [
            "e2e/login.ts",
            "lib/vendor.js",
            "src/build.ts",
            "src/route.test.ts",
            "src/route.ts",
            "src/setupTests.ts",
            "src/user.spec.tsx",
            "tests/helpers.py",
            "vitest.setup.ts"
        ]
    );
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_not_followed_except_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    write(&root, "src/route.ts", "x\n");
    write(dir.path(), "outside/secret.ts", "x\n");
    std::os::unix::fs::symlink(dir.path().join("outside"), root.join("src/linked")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside/secret.ts"), root.join("alias.ts"))
        .unwrap();
    std::os::unix::fs::symlink(&root, root.join("src/loop")).unwrap();
    assert_eq!(walked(&root, &WalkOptions::default()), ["src/route.ts"]);
    let link = dir.path().join("link-to-repo");
    std::os::unix::fs::symlink(&root, &link).unwrap();
    assert_eq!(walked(&link, &WalkOptions::default()), ["src/route.ts"]);
}

#[test]
fn a_wide_and_deep_tree_is_walked_whole_in_a_stable_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut expected = Vec::new();
    for i in 0..40 {
        for j in 0..5 {
            let rel = format!("pkg{i:02}/mod{j}/index.ts");
            write(root, &rel, "x\n");
            expected.push(rel);
        }
    }
    let mut deep = String::from("deep");
    for _ in 0..200 {
        deep.push_str("/d");
    }
    let rel = format!("{deep}/leaf.ts");
    write(root, &rel, "x\n");
    expected.push(rel);
    expected.sort();
    let first = walked(root, &WalkOptions::default());
    assert_eq!(first, expected);
    assert_eq!(walked(root, &WalkOptions::default()), first);
}

#[test]
fn an_ignore_file_with_a_broken_pattern_is_listed_and_its_other_lines_still_apply() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "a.ts", "x\n");
    write(root, "b.ts", "x\n");
    write(root, ".gitignore", "b.ts\nsrc/[z-a].ts\n");
    let (found, _) = discover(root, &WalkOptions::default(), &|_, _| ()).unwrap();
    let files: Vec<&str> = found.files.iter().map(|f| f.rel.as_str()).collect();
    assert_eq!(files, ["a.ts"]);
    assert_eq!(found.unscanned.len(), 1, "{:?}", found.unscanned);
    assert_eq!(found.unscanned[0].file, ".gitignore");
    assert!(found.unscanned[0]
        .reason
        .starts_with("ignore file not fully applied"));
}

#[cfg(unix)]
#[test]
fn a_wide_tree_is_walked_with_few_open_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for i in 0..60 {
        for j in 0..20 {
            write(root, &format!("pkg{i}/mod{j}/index.ts"), "x\n");
        }
    }
    // 1,260 folders under a limit of 48 open files: folders are not held open while they wait.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 48 && exec "$0" scan --format json "$1""#)
        .arg(env!("CARGO_BIN_EXE_idrift"))
        .arg(root)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    assert_eq!(report["stats"]["files"], 1200);
    assert_eq!(report["unscanned"], serde_json::json!([]));
}

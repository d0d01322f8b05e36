//! Dependencies flow one way, down the pipeline: a module may use the stages
//! before it, never a later one. This reads every `src/**/*.rs`, collects
//! its `crate::X` references (code only: comments and `#[cfg(test)]`
//! modules are skipped) and fails naming file:line for each upward edge.
//! A second check finds cycles between the files of the stages that had
//! them (`classify/expr`, `read/cloud`), from their `super::file` and
//! `crate::stage::…::file` references.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The stages in pipeline order; modules of one stage may use each other.
/// `diag` and `error` are leaves anyone may use.
const STAGES: &[&[&str]] = &[
    &["diag", "error"],
    &["model"],
    &["read"],
    &["classify"],
    &["matcher"],
    &["findings"],
    &["report"],
    &["audit"],
    &["plan", "diff"],
    // The binary's modules, wherever the binary keeps them.
    &["cli", "bin"],
];

/// Beside the binary: it may use anything, and only the binary's modules
/// (`cli`, `src/bin/`) may use it.
const GENERATOR: &str = "generate";

/// The directories whose files must not form a cycle.
const ACYCLIC_DIRS: &[&str] = &["classify/expr", "read/cloud"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The file's code, line by line: comments blanked, `#[cfg(test)]` modules
/// (inline, closed by a `}` in column 0 as rustfmt writes them) skipped.
fn code_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    let mut pending_test_attr = false;
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t.starts_with("//") {
            out.push(String::new());
            continue;
        }
        if t.starts_with("#[cfg(test)]") {
            pending_test_attr = true;
            out.push(String::new());
            continue;
        }
        if pending_test_attr && t.starts_with("#[") {
            out.push(String::new());
            continue;
        }
        if pending_test_attr && t.starts_with("mod ") && t.ends_with('{') && !line.starts_with(' ')
        {
            out.push(String::new());
            for inner in lines.by_ref() {
                out.push(String::new());
                if inner == "}" {
                    break;
                }
            }
            pending_test_attr = false;
            continue;
        }
        pending_test_attr = false;
        let code = match t.find("// ") {
            Some(i) if !t[..i].contains('"') => &line[..line.len() - t.len() + i],
            _ => line,
        };
        out.push(code.to_string());
    }
    out
}

/// Each path segment named right after `prefix` (`prefix::x` gives `x`,
/// `prefix::{a::b, c}` gives `a` and `c`), with the line it is on. `use`
/// groups may span lines, so the lines are read as one text.
fn names_after(lines: &[String], prefix: &str) -> Vec<(usize, String)> {
    let text = lines.join("\n");
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    let mut found = Vec::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut from = 0;
    while let Some(pos) = text[from..].find(prefix) {
        let at = from + pos;
        from = at + prefix.len();
        // A whole path segment: not `xcrate::` or `foo_super::`.
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &text[from..];
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level names of the group: after `{` and after each comma at depth 1.
            let mut depth = 1;
            let mut expect = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => expect = true,
                    c if expect && depth == 1 && !c.is_whitespace() => {
                        expect = false;
                        let name = ident(&group[i..]);
                        if !name.is_empty() {
                            found.push((line_of(from + 1 + i), name));
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                found.push((line_of(at), name));
            }
        }
    }
    found
}

/// The stage index of a top-level module; `None` for the generator.
fn stage_of(module: &str) -> Option<Result<usize, String>> {
    if module == GENERATOR {
        return None;
    }
    Some(
        STAGES
            .iter()
            .position(|stage| stage.contains(&module))
            .ok_or_else(|| module.to_string()),
    )
}

/// The top-level module a file of `src/` belongs to (`read/cloud/json.rs`
/// → `read`, `diag.rs` → `diag`); `None` for the crate roots.
fn top_module(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

struct Source {
    rel: PathBuf,
    lines: Vec<String>,
}

fn sources() -> Vec<Source> {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(
        files.len() > 50,
        "src/ has {} files: wrong directory?",
        files.len()
    );
    files
        .into_iter()
        .map(|path| {
            let text =
                fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            Source {
                rel: path.strip_prefix(&root).expect("under src/").to_path_buf(),
                lines: code_lines(&text),
            }
        })
        .collect()
}

/// Every `crate::X` edge that goes up the pipeline, to the generator from
/// anything but `cli`, or from or to a module no stage lists.
fn violations(sources: &[Source]) -> Vec<String> {
    let mut bad = Vec::new();
    for s in sources {
        let Some(from) = top_module(&s.rel) else {
            continue;
        };
        let file = format!("src/{}", s.rel.display());
        let from_stage = match stage_of(&from) {
            Some(Ok(i)) => Some(i),
            Some(Err(m)) => {
                bad.push(format!(
                    "{file}: the top-level module `{m}` is in no stage of tests/layers.rs: \
                     add it to STAGES where it belongs in the pipeline"
                ));
                continue;
            }
            None => None,
        };
        for (line, to) in names_after(&s.lines, "crate::") {
            if to == from {
                continue;
            }
            let to_stage = match stage_of(&to) {
                Some(Ok(i)) => i,
                Some(Err(m)) => {
                    bad.push(format!(
                        "{file}:{line}: uses `crate::{m}`, a module in no stage of \
                         tests/layers.rs: add it to STAGES"
                    ));
                    continue;
                }
                None if from == "cli" || from == "bin" => continue,
                None => {
                    bad.push(format!(
                        "{file}:{line}: `{from}` uses `crate::{GENERATOR}`; only the CLI may \
                         (the generator sits beside the binary)"
                    ));
                    continue;
                }
            };
            if let Some(from_stage) = from_stage {
                if to_stage > from_stage {
                    bad.push(format!(
                        "{file}:{line}: `{from}` uses `crate::{to}`, a later stage: move what \
                         it needs down to `{from}` or below, or pass it in"
                    ));
                }
            }
        }
    }
    bad
}

#[test]
fn dependencies_flow_down_the_pipeline() {
    let bad = violations(&sources());
    assert!(
        bad.is_empty(),
        "{} upward dependencies:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// Edges between the files of `dir` (module name → module name → first
/// line), ignoring the directory's `mod.rs` (its facade re-exports all).
fn file_graph(sources: &[Source], dir: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let in_dir = |s: &&Source| s.rel.parent() == Some(Path::new(dir));
    let modules: BTreeSet<String> = sources
        .iter()
        .filter(in_dir)
        .filter_map(|s| s.rel.file_stem()?.to_str().map(str::to_string))
        .filter(|m| m != "mod")
        .collect();
    let absolute = format!("crate::{}::", dir.replace('/', "::"));
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for s in sources.iter().filter(in_dir) {
        let Some(from) = s.rel.file_stem().and_then(|m| m.to_str()) else {
            continue;
        };
        if from == "mod" {
            continue;
        }
        let mut edges = names_after(&s.lines, "super::");
        edges.extend(names_after(&s.lines, &absolute));
        for (line, to) in edges {
            if to != from && modules.contains(&to) {
                graph
                    .entry(from.to_string())
                    .or_default()
                    .entry(to)
                    .or_insert_with(|| format!("src/{}:{line}", s.rel.display()));
            }
        }
    }
    graph
}

/// One cycle per strongly connected group of files, as `a → b → a` with
/// the line of each edge.
fn cycles(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<String> {
    let mut found = Vec::new();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for start in graph.keys() {
        if reported.contains(start) {
            continue;
        }
        // Depth-first search for a path back to `start`.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for next in graph.get(&node).into_iter().flat_map(|e| e.keys()) {
                if next == start {
                    let mut steps = Vec::new();
                    let mut full = path.clone();
                    full.push(start.clone());
                    for pair in full.windows(2) {
                        steps.push(format!(
                            "{} → {} ({})",
                            pair[0], pair[1], graph[&pair[0]][&pair[1]]
                        ));
                    }
                    reported.extend(path.iter().cloned());
                    found.push(steps.join(", "));
                    stack.clear();
                    break;
                }
                if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    found
}

#[test]
fn no_cycles_between_files_of_a_stage() {
    let sources = sources();
    let mut bad = Vec::new();
    for dir in ACYCLIC_DIRS {
        let graph = file_graph(&sources, dir);
        assert!(
            !graph.is_empty(),
            "src/{dir}: no edges found: has it moved?"
        );
        for cycle in cycles(&graph) {
            bad.push(format!("src/{dir}: {cycle}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{} file cycles:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// The checks themselves, on made-up sources.
#[test]
fn the_checks_see_grouped_uses_and_skip_comments_and_tests() {
    let text = "//! see [`crate::report`]\nuse crate::{diag::X,\n    audit::Y};\n\
                fn f() { crate::model::ids::g(); } // crate::cli\n\
                #[cfg(test)]\nmod tests {\n    use crate::cli::Z;\n}\nuse crate::generate;\n";
    let lines = code_lines(text);
    let names = names_after(&lines, "crate::");
    assert_eq!(
        names,
        [
            (2, "diag".to_string()),
            (3, "audit".to_string()),
            (4, "model".to_string()),
            (9, "generate".to_string()),
        ]
    );
    let sources = [Source {
        rel: PathBuf::from("read/x.rs"),
        lines,
    }];
    let bad = violations(&sources);
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(
        bad[0].starts_with("src/read/x.rs:3: `read` uses `crate::audit`"),
        "{bad:?}"
    );
    assert!(
        bad[1].starts_with("src/read/x.rs:9: `read` uses `crate::generate`"),
        "{bad:?}"
    );
    let unknown = [Source {
        rel: PathBuf::from("mystery/mod.rs"),
        lines: vec![String::new()],
    }];
    assert!(violations(&unknown)[0].contains("`mystery` is in no stage"));

    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    graph
        .entry("a".into())
        .or_default()
        .insert("b".into(), "a.rs:1".into());
    graph
        .entry("b".into())
        .or_default()
        .insert("c".into(), "b.rs:2".into());
    assert!(cycles(&graph).is_empty());
    graph
        .entry("c".into())
        .or_default()
        .insert("a".into(), "c.rs:3".into());
    assert_eq!(
        cycles(&graph),
        ["a → b (a.rs:1), b → c (b.rs:2), c → a (c.rs:3)"]
    );
}

//! House rules for references: the code's design record is `docs/`, in the
//! repository. No file of the code, tests, benchmarks, fuzz targets,
//! scripts, fixture notes, the README or docs may point outside the repository, and
//! every `docs/<page>.md` (or `docs/<page>.md#anchor`) they name, and every
//! link between docs pages, must reach a page and heading that exist.

use std::fs;
use std::path::{Path, PathBuf};

/// The directories walked whole, and the one whose notes only are walked.
const ROOTS: &[&str] = &["src", "tests", "benches", "fuzz/fuzz_targets", "scripts"];
const FIXTURES: &str = "fixtures";

#[test]
fn no_reference_leaves_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ROOTS {
        walk(&root.join(dir), &mut files);
    }
    let mut notes = Vec::new();
    walk(&root.join(FIXTURES), &mut notes);
    files.extend(notes.into_iter().filter(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        name.starts_with("README") || name.starts_with("SOURCE")
    }));
    assert!(
        files.len() > 50,
        "the walk found only {} files",
        files.len()
    );
    files.push(root.join("README.md"));
    let mut pages = Vec::new();
    walk(&root.join("docs"), &mut pages);
    assert!(pages.len() > 5, "docs/ holds only {} files", pages.len());

    // Built from pieces so that this file does not match itself.
    let outside = [
        ["DOMAIN", ".md"].concat(),
        ["DOMAIN", " §"].concat(),
        ["shared", "/"].concat(),
        ["/work", "/"].concat(),
    ];
    let conformance = ["ldif-conformance", ".md"].concat();
    let mut problems = Vec::new();
    let is_page = |p: &Path| pages.iter().any(|q| q == p);
    for path in files.iter().chain(&pages) {
        let Ok(bytes) = fs::read(path) else { continue };
        let text = String::from_utf8_lossy(&bytes);
        let shown = path.strip_prefix(root).unwrap_or(path).display();
        for (i, line) in text.lines().enumerate() {
            let at = format!("{shown}:{}", i + 1);
            for p in &outside {
                if line.contains(p.as_str()) {
                    problems.push(format!("{at}: mentions `{p}`: point into docs/ instead"));
                }
            }
            // Pages link to each other as `](<page>.md#anchor)`, code says `docs/<page>.md`.
            let prefix = if is_page(path) { "](" } else { "docs/" };
            for (pos, _) in line.match_indices(conformance.as_str()) {
                if !is_page(path) && !line[..pos].ends_with("docs/") {
                    problems.push(format!("{at}: names the conformance table outside docs/"));
                }
            }
            for (page, anchor) in docs_links(line, prefix) {
                if let Some(e) = check_link(root, &page, anchor.as_deref()) {
                    problems.push(format!("{at}: docs/{page}: {e}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, out),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
}

/// The `<prefix><page>.md[#anchor]` references in a line.
fn docs_links(line: &str, prefix: &str) -> Vec<(String, Option<String>)> {
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut links = Vec::new();
    for (pos, _) in line.match_indices(prefix) {
        let rest = &line[pos + prefix.len()..];
        let name_len = rest.find(|c| !name_char(c)).unwrap_or(rest.len());
        let Some(after) = rest[name_len..].strip_prefix(".md") else {
            continue;
        };
        let anchor = after.strip_prefix('#').map(|a| {
            let len = a.find(|c| !name_char(c)).unwrap_or(a.len());
            a[..len].to_string()
        });
        links.push((format!("{}.md", &rest[..name_len]), anchor));
    }
    links
}

/// Why a link to `docs/<page>#<anchor>` is broken, if it is.
fn check_link(root: &Path, page: &str, anchor: Option<&str>) -> Option<String> {
    let Ok(text) = fs::read_to_string(root.join("docs").join(page)) else {
        return Some("no such page".into());
    };
    let anchor = anchor?;
    let mut in_code = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if let Some(heading) = line.strip_prefix('#').filter(|_| !in_code) {
            let heading = heading.trim_start_matches('#');
            if heading.starts_with(' ') && slug(heading) == anchor {
                return None;
            }
        }
    }
    Some(format!("no heading with the anchor #{anchor}"))
}

/// GitHub's anchor of a heading: lower case, spaces to `-`, punctuation dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

//! Appliers written for the tests, independent of the tool's writers: an
//! RFC 2849 reader and change-file applier, and a Microsoft Graph `$batch`
//! applier over a users export.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;

use base64::Engine;
use serde_json::Value;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// One LDIF record: its lines as (name, value), the DN first.
pub type Record = Vec<(String, Vec<u8>)>;

/// Reads LDIF text (CRLF or LF, folded lines, comments, base64 values)
/// into records.
pub fn parse_ldif(text: &[u8]) -> Vec<Record> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for raw in text.split(|&b| b == b'\n') {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        match (line.first(), lines.last_mut()) {
            (Some(b' '), Some(prev)) if !prev.is_empty() => prev.extend_from_slice(&line[1..]),
            _ => lines.push(line.to_vec()),
        }
    }
    let mut records = Vec::new();
    let mut current: Record = Vec::new();
    for line in lines {
        if line.is_empty() {
            if !current.is_empty() {
                records.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with(b"#") {
            continue;
        }
        if line == b"-" {
            current.push(("-".into(), Vec::new()));
            continue;
        }
        let colon = line.iter().position(|&b| b == b':').expect("a colon");
        let name = String::from_utf8(line[..colon].to_vec()).expect("name");
        let rest = &line[colon + 1..];
        let value = if let Some(b64) = rest.strip_prefix(b":") {
            let b64: Vec<u8> = b64.iter().copied().filter(|&b| b != b' ').collect();
            B64.decode(b64).expect("base64")
        } else {
            let mut v = rest;
            while let Some(r) = v.strip_prefix(b" ") {
                v = r;
            }
            v.to_vec()
        };
        current.push((name, value));
    }
    if !current.is_empty() {
        records.push(current);
    }
    records
}

/// Applies the modify records of `changes` to the content records of
/// `export` (matched by DN); panics on a change to an unknown DN.
pub fn apply_ldif(export: &mut [Record], changes: &[Record]) {
    let index: HashMap<Vec<u8>, usize> = export
        .iter()
        .enumerate()
        .map(|(i, r)| (r[0].1.clone(), i))
        .collect();
    for change in changes {
        assert_eq!(change[0].0, "dn");
        assert_eq!(change[1], ("changetype".to_string(), b"modify".to_vec()));
        let target = &mut export[*index.get(&change[0].1).expect("known DN")];
        let mut i = 2;
        while i < change.len() {
            let (op, attr) = (
                &change[i].0,
                String::from_utf8(change[i].1.clone()).expect("attr"),
            );
            let mut values = Vec::new();
            i += 1;
            while i < change.len() && change[i].0 != "-" {
                assert!(change[i].0.eq_ignore_ascii_case(&attr));
                values.push(change[i].1.clone());
                i += 1;
            }
            i += 1;
            match op.as_str() {
                "replace" | "delete" => {
                    assert!(op == "replace" || values.is_empty());
                    target.retain(|(n, _)| !n.eq_ignore_ascii_case(&attr));
                    target.extend(values.into_iter().map(|v| (attr.clone(), v)));
                }
                "add" => target.extend(values.into_iter().map(|v| (attr.clone(), v))),
                other => panic!("unknown operation {other}"),
            }
        }
    }
}

/// Writes content records back as LDIF: every value in base64 (always
/// valid), `changetype` as written.
pub fn write_ldif(records: &[Record]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        for (name, value) in r {
            if name.eq_ignore_ascii_case("changetype") {
                out.extend_from_slice(format!("{name}: ").as_bytes());
                out.extend_from_slice(value);
            } else {
                out.extend_from_slice(format!("{name}:: {}", B64.encode(value)).as_bytes());
            }
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
}

/// The values of `attr` in a record.
pub fn values<'a>(r: &'a Record, attr: &str) -> Vec<&'a [u8]> {
    r.iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(attr))
        .map(|(_, v)| v.as_slice())
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8")
}

/// Applies `$batch` bodies (one per line) of `PATCH /users/{id}` to a Graph
/// users export of JSON pages (one per line). Checks the batch rules: at
/// most 20 requests, ids unique over the file, the JSON content type.
pub fn apply_batches(pages: &str, batches: &str) -> String {
    let mut patches: HashMap<String, serde_json::Map<String, Value>> = HashMap::new();
    let mut ids = std::collections::HashSet::new();
    for line in batches.lines() {
        let batch: Value = serde_json::from_str(line).expect("batch JSON");
        let requests = batch["requests"].as_array().expect("requests");
        assert!(!requests.is_empty() && requests.len() <= 20);
        for r in requests {
            assert!(ids.insert(r["id"].as_str().expect("id").to_string()));
            assert_eq!(r["method"], "PATCH");
            assert_eq!(r["headers"]["Content-Type"], "application/json");
            let url = r["url"].as_str().expect("url");
            let id = percent_decode(url.strip_prefix("/users/").expect("/users/"));
            let body = r["body"].as_object().expect("body").clone();
            assert!(patches.insert(id, body).is_none(), "one request per user");
        }
    }
    let mut out = String::new();
    for line in pages.lines() {
        let mut page: Value = serde_json::from_str(line).expect("page");
        for user in page["value"].as_array_mut().expect("value") {
            let id = user["id"].as_str().expect("id").to_string();
            if let Some(body) = patches.remove(&id) {
                for (k, v) in body {
                    user[k.as_str()] = v;
                }
            }
        }
        out.push_str(&page.to_string());
        out.push('\n');
    }
    assert!(
        patches.is_empty(),
        "requests for unknown users: {patches:?}"
    );
    out
}

/// The findings of a findings.jsonl, each without its `source`
/// (`file:line`, which a rewritten file changes).
pub fn findings(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("findings.jsonl")
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).expect("finding");
            if let Some(o) = v.as_object_mut() {
                o.remove("source");
            }
            v
        })
        .collect()
}

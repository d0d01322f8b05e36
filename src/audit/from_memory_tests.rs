//! An audit of exports held in memory is the audit of the same files: the
//! same findings, the same summary (hashes included), whether the bytes are
//! plain, gzip or UTF-16.

use std::io::Write;
use std::path::PathBuf;

use super::{run, Audit, AuditInputs, AuditOptions, NoProgress};
use crate::classify::{config, Classifier};
use crate::read::InputSource;

fn example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn classifier(rules: &str) -> Classifier {
    let text = std::fs::read_to_string(rules).expect("rule file");
    let rules = config::load(&text).rules.expect("valid rules");
    Classifier::new(rules).expect("classifier")
}

fn audit(inputs: &AuditInputs, rules: &str) -> Audit {
    let opts = AuditOptions {
        reproducible: true,
        ..AuditOptions::default()
    };
    run(inputs, &classifier(rules), &opts, &NoProgress).expect("audit")
}

/// The same inputs, each read into memory and given under its path as name.
fn held(inputs: &AuditInputs, transform: impl Fn(Vec<u8>) -> Vec<u8>) -> AuditInputs {
    let hold = |s: &InputSource| {
        let bytes = std::fs::read(s.name()).expect("read input");
        InputSource::bytes(s.name(), transform(bytes))
    };
    AuditInputs {
        onprem: inputs.onprem.iter().map(hold).collect(),
        cloud: inputs.cloud.iter().map(hold).collect(),
        rules: hold(&inputs.rules),
    }
}

fn files() -> AuditInputs {
    AuditInputs::from_paths(
        &[example("example/onprem.ldf")],
        &[example("example/graph-users.json")],
        &example("rules/upn-expression.toml"),
    )
}

#[test]
fn held_bytes_give_the_audit_of_the_files() {
    let rules = example("rules/upn-expression.toml");
    let from_files = audit(&files(), &rules);
    let from_memory = audit(&held(&files(), |b| b), &rules);
    // The example forest has findings of several kinds, and every input hashed.
    assert!(
        from_files.findings.len() > 100,
        "{}",
        from_files.findings.len()
    );
    assert!(from_files.summary.inputs.iter().all(|f| f.blake3.is_some()));
    assert_eq!(from_files.summary.inputs.len(), 3);
    assert_eq!(from_memory.findings, from_files.findings);
    assert_eq!(from_memory.summary, from_files.summary);
}

#[test]
fn gzip_bytes_give_the_same_findings() {
    let rules = example("rules/upn-expression.toml");
    let from_files = audit(&files(), &rules);
    let gzip = |b: Vec<u8>| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&b).expect("compress");
        gz.finish().expect("compress")
    };
    let from_memory = audit(&held(&files(), gzip), &rules);
    assert_eq!(from_memory.findings, from_files.findings);
    assert_eq!(from_memory.summary.verdict, from_files.summary.verdict);
    assert_eq!(from_memory.summary.onprem, from_files.summary.onprem);
}

#[test]
fn utf16_bytes_give_the_same_findings() {
    let rules = example("rules/upn-expression.toml");
    let from_files = audit(&files(), &rules);
    // What `ldifde -u` writes: UTF-16LE with a byte-order mark.
    let utf16 = |b: Vec<u8>| {
        let text = String::from_utf8(b).expect("UTF-8 fixture");
        let mut out = vec![0xFF, 0xFE];
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    };
    let mut inputs = held(&files(), |b| b);
    inputs.onprem = held(&files(), utf16).onprem;
    let from_memory = audit(&inputs, &rules);
    assert_eq!(from_memory.findings, from_files.findings);
    assert_eq!(from_memory.summary.onprem, from_files.summary.onprem);
}

#[test]
fn a_cloud_export_given_twice_in_memory_is_refused() {
    let mut inputs = held(&files(), |b| b);
    let again = inputs.cloud[0].clone();
    let InputSource::Bytes { bytes, .. } = again else {
        panic!("held")
    };
    inputs.cloud.push(InputSource::bytes("copy.json", bytes));
    let rules = example("rules/upn-expression.toml");
    let opts = AuditOptions::default();
    let err = run(&inputs, &classifier(&rules), &opts, &NoProgress)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("have identical content"), "{err}");
}

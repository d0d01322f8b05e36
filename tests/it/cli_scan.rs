//! `usertype-audit scan` driven as a user would: the real binary on files in
//! `fixtures/` and on files written into a temporary folder.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use crate::common::{bin, fixture};
use assert_cmd::Command;
use base64::Engine as _;
use serde_json::Value as Json;
use usertype_audit::generate::{account, generate, GenerateOptions};

/// Runs `scan --format json` and returns the exit code and the summary of the first file.
fn scan_json(args: &[&str]) -> (i32, Json) {
    let out = bin()
        .args(["scan", "--quiet", "--format", "json"])
        .args(args)
        .output()
        .expect("runs");
    let docs: Json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), docs[0].clone())
}

fn stat(doc: &Json, name: &str) -> u64 {
    doc["stats"][name]
        .as_u64()
        .unwrap_or_else(|| panic!("no stats.{name} in {doc}"))
}

/// A small generated forest in a fresh temporary folder.
fn forest(users: u64, seed: u64) -> (tempfile::TempDir, PathBuf, GenerateOptions) {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = GenerateOptions {
        users,
        seed,
        ..GenerateOptions::default()
    };
    generate(&opts, dir.path()).expect("generate");
    let path = dir.path().join("onprem.ldf");
    (dir, path, opts)
}

#[test]
fn bundled_example_reads_clean_with_exact_counts() {
    // fixtures/example/onprem.ldf is `generate --users 1000 --seed 7`: 1000
    // users and one group or computer after every 50th user.
    let (code, doc) = scan_json(&[fixture("example/onprem.ldf").to_str().unwrap()]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(stat(&doc, "entries"), 1020);
    assert_eq!(stat(&doc, "records"), 1020);
    assert_eq!(stat(&doc, "rejected"), 0);
    assert_eq!(doc["diagnostics"]["errors"], 0);
    assert_eq!(doc["reconciles"], true);
    assert_eq!(doc["encoding"], "utf8");
}

#[test]
fn generated_export_has_exact_entry_count() {
    let (_dir, path, _) = forest(1000, 3);
    let (code, doc) = scan_json(&[path.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(stat(&doc, "entries"), 1020);
    assert_eq!(doc["diagnostics"]["errors"], 0);
    assert_eq!(doc["diagnostics"]["warnings"], 0, "{doc}");
}

#[test]
fn every_corpus_file_reads_without_error() {
    let mut seen = 0;
    for dir in ["corpus/npm-ldif", "corpus/perl-ldap"] {
        for file in std::fs::read_dir(fixture(dir)).unwrap() {
            let path = file.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("ldif") {
                continue;
            }
            let (code, doc) = scan_json(&[path.to_str().unwrap()]);
            // Three npm files were re-created without a final newline (their
            // SOURCE.txt says so): a last line without a line break is a cut
            // export, reported as such (issue #13 item 2).
            let cut = ["example0.ldif", "example8.ldif", "example9.ldif"]
                .iter()
                .any(|f| path.ends_with(f));
            if cut {
                assert_eq!(code, 1, "{}: {doc}", path.display());
                assert_eq!(doc["diagnostics"]["by_kind"]["truncated_input"], 1, "{doc}");
            } else {
                assert_eq!(code, 0, "{}: {doc}", path.display());
            }
            assert_eq!(doc["reconciles"], true);
            seen += 1;
        }
    }
    assert_eq!(seen, 25);
}

/// Decodes a dumped value: a JSON string is its UTF-8 bytes, `{"base64": ...}` the decoded bytes.
fn dumped_bytes(v: &Json) -> Vec<u8> {
    match v {
        Json::String(s) => s.as_bytes().to_vec(),
        Json::Object(o) => base64::engine::general_purpose::STANDARD
            .decode(o["base64"].as_str().expect("base64 key"))
            .expect("valid base64"),
        other => panic!("unexpected value {other}"),
    }
}

#[test]
fn dump_round_trips_every_value_byte_for_byte() {
    let (_dir, path, opts) = forest(300, 11);
    let out = bin()
        .args(["scan", "--quiet", "--dump", "jsonl"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut by_dn: HashMap<Vec<u8>, Json> = HashMap::new();
    for line in out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let entry: Json = serde_json::from_slice(line).expect("each line is JSON");
        by_dn.insert(dumped_bytes(&entry["dn"]), entry);
    }
    assert_eq!(by_dn.len(), 306);
    let values = |e: &Json, name: &str| -> Vec<Vec<u8>> {
        e["attrs"][name]
            .as_array()
            .map(|a| a.iter().map(dumped_bytes).collect())
            .unwrap_or_default()
    };
    let mut binary_seen = 0;
    for i in 0..opts.users {
        // The generator's own model of account i is the expected value.
        let want = account(&opts, i);
        let got = by_dn
            .get(want.dn.as_bytes())
            .unwrap_or_else(|| panic!("account {i} ({}) missing from the dump", want.dn));
        assert_eq!(values(got, "objectGUID"), vec![want.object_guid.to_vec()]);
        assert_eq!(values(got, "objectSid"), vec![want.object_sid.clone()]);
        assert_eq!(
            values(got, "mS-DS-ConsistencyGuid"),
            want.consistency_guid
                .iter()
                .map(|g| g.to_vec())
                .collect::<Vec<_>>()
        );
        assert_eq!(
            values(got, "userPrincipalName"),
            vec![want.upn.as_bytes().to_vec()]
        );
        assert_eq!(values(got, "cn"), vec![want.cn.as_bytes().to_vec()]);
        let member_of: Vec<Vec<u8>> = want
            .member_of
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        assert_eq!(values(got, "memberOf"), member_of);
        let proxies: Vec<Vec<u8>> = want
            .proxy_addresses
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        assert_eq!(values(got, "proxyAddresses"), proxies);
        if let Some(photo) = &want.thumbnail_photo {
            assert_eq!(values(got, "thumbnailPhoto"), vec![photo.clone()]);
        }
        assert!(got["attrs"].get("changetype").is_none());
        if got["attrs"]["objectGUID"][0].is_object() {
            binary_seen += 1;
        }
    }
    assert!(
        binary_seen > 250,
        "binary values must be dumped as base64 objects"
    );
}

#[test]
fn dump_to_file_keeps_summary_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("entries.jsonl");
    let out = bin()
        .args(["scan", "--dump", "jsonl", "--output"])
        .arg(&dump)
        .arg(fixture("corpus/npm-ldif/example1.ldif"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("entries          2"));
    let text = std::fs::read_to_string(&dump).unwrap();
    assert_eq!(text.lines().count(), 2);
    let first: Json = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(
        first["dn"],
        "cn=Barbara Jensen, ou=Product Development, dc=airius, dc=com"
    );
    assert_eq!(first["line"], 2);
    assert_eq!(first["attrs"]["cn"][1], "Barbara J Jensen");
}

#[test]
fn url_values_are_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-MARKER").unwrap();
    let ldif = dir.path().join("url.ldif");
    std::fs::write(
        &ldif,
        format!(
            "dn: cn=a,dc=x\ncn: a\nphoto:< file://{}\n",
            secret.display()
        ),
    )
    .unwrap();
    let out = bin()
        .args(["scan", "--dump", "jsonl"])
        .arg(&ldif)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stdout.contains("TOP-SECRET-MARKER") && !stderr.contains("TOP-SECRET-MARKER"));
    let entry: Json = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(
        entry["attrs"]["photo"][0],
        format!("file://{}", secret.display())
    );
    assert!(stderr.contains(":3:"), "warning names line 3: {stderr}");
    assert!(stderr.contains("url_value"));
}

#[test]
fn stdin_gzip_and_utf16_give_the_same_entries() {
    let (dir, path, _) = forest(120, 5);
    let plain = std::fs::read(&path).unwrap();
    let dump = |cmd: &mut Command| -> Vec<u8> {
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let reference = dump(bin().args(["scan", "-q", "--dump", "jsonl"]).arg(&path));
    assert_eq!(reference.iter().filter(|&&b| b == b'\n').count(), 122);

    let from_stdin = dump(
        bin()
            .args(["scan", "-q", "--dump", "jsonl", "-"])
            .write_stdin(plain.clone()),
    );
    assert_eq!(from_stdin, reference);

    let gz_path = dir.path().join("onprem.ldf.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).unwrap();
    std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();
    assert_eq!(
        dump(bin().args(["scan", "-q", "--dump", "jsonl"]).arg(&gz_path)),
        reference
    );

    // ldifde -u: UTF-16LE with a BOM. Line numbers in the dump are unchanged.
    let text = String::from_utf8(plain).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let u16_path = dir.path().join("onprem-u.ldf");
    std::fs::write(&u16_path, utf16).unwrap();
    assert_eq!(
        dump(bin().args(["scan", "-q", "--dump", "jsonl"]).arg(&u16_path)),
        reference
    );
}

#[test]
fn thread_count_does_not_change_output() {
    let (_dir, path, _) = forest(400, 9);
    let run = |threads: &str| {
        bin()
            .args(["scan", "--threads", threads, "-q", "--dump", "jsonl"])
            .arg(&path)
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn data_errors_exit_1_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.ldif");
    std::fs::write(
        &bad,
        "dn: cn=a,dc=x\ncn: a\n\ndn: cn=b,dc=x\nsn:: !!!!\n\ndn: cn=c,dc=x\ncn: c\n",
    )
    .unwrap();
    let out = bin().arg("scan").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:5:", bad.display())),
        "diagnostic names file and line: {stderr}"
    );
    assert!(stderr.contains("invalid_base64"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("entries          2"), "{stdout}");
    assert!(stdout.contains("rejected         1"), "{stdout}");

    // --strict stops at the first error.
    let out = bin().args(["scan", "--strict"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--strict"));
}

#[test]
fn truncated_ldapsearch_export_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("search.ldif");
    std::fs::write(
        &f,
        "# extended LDIF\n\ndn: cn=a,dc=x\ncn: a\n\n# search result\nsearch: 2\nresult: 4 Size limit exceeded\n",
    )
    .unwrap();
    let (code, doc) = scan_json(&[f.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(doc["diagnostics"]["by_kind"]["truncated_export"], 1);
    assert_eq!(stat(&doc, "trailers"), 1);
}

#[test]
fn usage_and_io_failures_exit_2() {
    let out = bin().args(["scan", "/no/such/file.ldif"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/file.ldif"));
    let out = bin()
        .args(["scan", "--no-such-flag", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin().args(["scan"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn oversized_record_on_stdin_is_skipped_and_reading_goes_on() {
    // One 3 MiB record between two small ones, streamed, with a 1 MiB limit.
    let mut input = b"dn: cn=a,dc=x\ncn: a\n\ndn: cn=big,dc=x\n".to_vec();
    for _ in 0..(3 << 20) / 64 {
        input
            .extend_from_slice(b"description: 0123456789012345678901234567890123456789012345678\n");
    }
    input.extend_from_slice(b"\ndn: cn=c,dc=x\ncn: c\n");
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("dump.jsonl");
    let out = bin()
        .args([
            "scan",
            "--quiet",
            "--format",
            "json",
            "--max-record-size",
            "1",
        ])
        .args(["--dump", "jsonl", "--output"])
        .arg(&dump)
        .arg("-")
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let docs: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(docs[0]["stats"]["entries"], 2);
    assert_eq!(docs[0]["stats"]["rejected"], 1);
    assert_eq!(docs[0]["diagnostics"]["by_kind"]["record_too_large"], 1);
    // Line numbers after the skipped record stay exact: 3 lines, the big
    // record's dn and description lines, a blank line, then 2 lines.
    let last_line = 3 + 1 + (3 << 20) / 64 + 1 + 2;
    assert_eq!(docs[0]["stats"]["lines"], last_line);
    let entries: Vec<Json> = std::fs::read_to_string(&dump)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["dn"], "cn=c,dc=x");
    assert_eq!(entries[1]["line"], last_line - 1);
}

#[test]
fn generate_is_deterministic_through_the_cli() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for dir in [&a, &b] {
        bin()
            .args([
                "generate", "--users", "150", "--seed", "4", "--quiet", "--out",
            ])
            .arg(dir.path())
            .assert()
            .success();
    }
    let read = |d: &tempfile::TempDir| std::fs::read(d.path().join("onprem.ldf")).unwrap();
    assert_eq!(read(&a), read(&b));
}

#[test]
fn cloud_export_without_select_names_the_reexport_commands() {
    let out = bin()
        .arg("scan")
        .arg(fixture("cloud/rest-default-select.json"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "coverage gaps are warnings in scan"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("WARNING: this export cannot support a full audit."),
        "{stdout}"
    );
    assert!(stdout
        .contains("https://graph.microsoft.com/v1.0/users?$select=id,userPrincipalName,userType,"));
    assert!(stdout.contains("&$top=999"));
    assert!(stdout.contains("Get-MgUser -All -Property id,userPrincipalName,userType,"));
    assert!(stdout.contains("ConvertTo-Json -Depth 10"));
    // Each gap is named once (issue #13): in the block above, not again as
    // a diagnostic.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("[coverage_gap]"), "{stderr}");
    assert_eq!(
        stdout
            .matches("no user in the export has `userType`")
            .count(),
        1,
        "{stdout}"
    );

    let (code, doc) = scan_json(&[fixture("cloud/rest-default-select.json").to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(doc["users"], 5);
    assert!(doc["coverage_gaps"]
        .as_array()
        .is_some_and(|g| !g.is_empty()));
}

#[test]
fn truncated_cloud_export_exits_1_with_file_and_line() {
    let out = bin()
        .args(["scan", "-q"])
        .arg(fixture("cloud/truncated.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("truncated.json:153: error [truncated_input]"),
        "{stderr}"
    );
}

#[test]
fn csv_exports_are_recognised_by_content() {
    let (code, doc) = scan_json(&[fixture("example/onprem.csv").to_str().unwrap()]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["format"], "csvde");
    assert_eq!(stat(&doc, "entries"), 1020);
    let (code, doc) = scan_json(&[fixture("example/onprem-ps.csv").to_str().unwrap()]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["format"], "export-csv");
    assert_eq!(stat(&doc, "entries"), 1000);
    // The .NET type-name columns are reported once each, not once per row.
    let mut reader = csv::Reader::from_path(fixture("example/onprem-ps.csv")).unwrap();
    let mut placeholder_columns = std::collections::BTreeSet::new();
    for row in reader.records() {
        for (i, field) in row.unwrap().iter().enumerate() {
            if field == "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection"
                || field == "System.Byte[]"
            {
                placeholder_columns.insert(i);
            }
        }
    }
    assert!(placeholder_columns.len() >= 4);
    assert_eq!(
        doc["diagnostics"]["by_kind"]["unusable_column"],
        placeholder_columns.len()
    );
    // A file named .txt is still recognised; an unknown format is a usage error.
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("export.txt");
    std::fs::copy(fixture("example/onprem.ldf"), &odd).unwrap();
    let (code, doc) = scan_json(&[odd.to_str().unwrap()]);
    assert_eq!((code, doc["format"].as_str()), (0, Some("ldif")));
    let junk = dir.path().join("junk.dat");
    std::fs::write(&junk, "hello world\n").unwrap();
    let out = bin().arg("scan").arg(&junk).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--input-format"));
}

#[test]
fn csv_dump_has_the_ldif_dump_schema() {
    let dump = |rel: &str| -> Vec<Json> {
        let out = bin()
            .args(["scan", "-q", "--dump", "jsonl"])
            .arg(fixture(rel))
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let ldif = dump("example/onprem.ldf");
    let csv = dump("example/onprem.csv");
    assert_eq!(ldif.len(), csv.len());
    for (l, c) in ldif.iter().zip(&csv) {
        assert_eq!(l["dn"], c["dn"]);
        assert_eq!(l["attrs"]["objectGUID"], c["attrs"]["objectGUID"]);
        assert_eq!(
            l["attrs"]["userPrincipalName"],
            c["attrs"]["userPrincipalName"]
        );
        assert_eq!(l["attrs"]["memberOf"], c["attrs"]["memberOf"]);
    }
}

#[test]
fn accounts_are_counted_the_same_from_every_onprem_format() {
    // fixtures/example is `generate --users 1000 --seed 7`; the generator's own
    // model of each account gives the expected counts.
    let opts = GenerateOptions {
        users: 1000,
        seed: 7,
        ..GenerateOptions::default()
    };
    let enabled = (0..1000)
        .filter(|&i| account(&opts, i).account_enabled())
        .count();
    for (file, others) in [("onprem.ldf", 20), ("onprem.csv", 20), ("onprem-ps.csv", 0)] {
        let path = fixture(&format!("example/{file}"));
        let (code, doc) = scan_json(&["--accounts", path.to_str().unwrap()]);
        assert_eq!(code, 0);
        let a = &doc["accounts"];
        assert_eq!(a["users"], 1000, "{file}");
        assert_eq!(a["enabled"], enabled as u64, "{file}");
        assert_eq!(a["disabled"], 1000 - enabled as u64, "{file}");
        assert_eq!(a["without_anchor"], 0, "{file}");
        let skipped: u64 = a["not_accounts"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(skipped, others, "{file}");
    }
    // With an anchor attribute the accounts lack, every account is without one.
    let (_, doc) = scan_json(&[
        "--source-anchor",
        "noSuchAttribute",
        fixture("example/onprem.ldf").to_str().unwrap(),
    ]);
    assert_eq!(doc["accounts"]["without_anchor"], 1000);
}

#[test]
fn an_unreadable_file_does_not_stop_the_others() {
    let out = bin()
        .arg("scan")
        .arg(fixture("corpus/npm-ldif/example1.ldif"))
        .arg("/no/such/file.ldif")
        .arg(fixture("corpus/npm-ldif/example2.ldif"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("example1.ldif") && stdout.contains("example2.ldif"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/file.ldif"));
}

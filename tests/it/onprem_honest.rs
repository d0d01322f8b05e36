//! On-premises exports that are cut, empty or odd (issues #13 and #14): each
//! one is named by a diagnostic at its file and line, and nothing cut is read
//! as if it were whole. Driven through the binary.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{bin, fixture};

/// Writes `bytes` as `name` in a fresh temporary folder.
fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    fs::write(&path, bytes).expect("write");
    path
}

/// `usertype-audit ARGS...` (not quiet: diagnostics go to stderr): (exit
/// code, stdout, stderr).
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = bin().args(args).output().expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// An ldifde export cut inside a partner's UPN: read as whole, the partner's
/// UPN loses its domain and the rule makes it a Member. The cut record is
/// skipped and the cut named at its line.
#[test]
fn ldif_cut_inside_a_partner_upn_is_not_classified() {
    let whole = fs::read(fixture("example/onprem.ldf")).expect("example");
    let needle = b"userPrincipalName: james.thompson.9@partners.fabr";
    let at = whole
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the example has the partner");
    let line = whole[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let dir = tempfile::tempdir().expect("tempdir");
    let cut = write(&dir, "cut.ldf", &whole[..at + needle.len()]);
    let rules = fixture("rules/upn-expression.toml");
    let (_, stdout, stderr) = run(&[
        "classify",
        "--onprem",
        path_str(&cut),
        "--rules",
        path_str(&rules),
    ]);
    assert!(
        !stdout.contains("James Thompson 9"),
        "the cut record was classified:\n{stdout}"
    );
    // The records before it are read.
    assert!(stdout.contains("CN=Carol White 0,"), "{stdout}");
    let want = format!("cut.ldf:{line}: error [truncated_input]");
    assert!(stderr.contains(&want), "no `{want}` in:\n{stderr}");
    assert!(stderr.contains("Export the file again"), "{stderr}");
}

/// `result: 32 No such object` says the base DN is wrong, not to page.
#[test]
fn ldapsearch_no_such_object_names_the_base_dn() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        &dir,
        "r32.ldif",
        b"# extended LDIF\n#\n\n# search result\nsearch: 2\nresult: 32 No such object\nmatchedDN: DC=contoso,DC=com\n\n# numResponses: 1\n",
    );
    let (_, _, stderr) = run(&["scan", path_str(&path)]);
    assert!(
        stderr.contains("r32.ldif:6: error [truncated_export]"),
        "{stderr}"
    );
    let line = stderr
        .lines()
        .find(|l| l.contains("[truncated_export]"))
        .unwrap_or_default();
    assert!(line.contains("base DN") && line.contains("`-b`"), "{line}");
    assert!(
        !line.contains("pr=1000"),
        "paging advice for a wrong base: {line}"
    );
}

/// A `# numEntries: N` trailer that disagrees with the entries read.
#[test]
fn ldapsearch_entry_count_that_disagrees_is_a_truncated_export() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = b"dn: cn=a,dc=x\nobjectClass: user\n\ndn: cn=b,dc=x\nobjectClass: user\n\n# search result\nsearch: 2\nresult: 0 Success\n\n# numResponses: 4\n# numEntries: 3\n";
    let path = write(&dir, "count.ldif", text);
    let (_, _, stderr) = run(&["scan", path_str(&path)]);
    assert!(
        stderr.contains("count.ldif:12: error [truncated_export]"),
        "{stderr}"
    );
    assert!(stderr.contains("holds 2"), "{stderr}");
    // When it agrees, nothing is said.
    let text = String::from_utf8_lossy(text).replace("numEntries: 3", "numEntries: 2");
    let path = write(&dir, "agree.ldif", text.as_bytes());
    let (_, _, stderr) = run(&["scan", path_str(&path)]);
    assert!(!stderr.contains("truncated_export"), "{stderr}");
}

/// An empty file named as LDIF has no entries.
#[test]
fn empty_ldif_with_a_named_format_has_no_entries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(&dir, "empty.ldf", b"");
    let (_, _, stderr) = run(&["scan", "--input-format", "ldif", path_str(&path)]);
    assert!(
        stderr.contains("empty.ldf:1: warning [no_entries]"),
        "{stderr}"
    );
}

/// A CSV that ends inside a quoted field, or inside its last row: the row
/// is skipped and the cut named.
#[test]
fn csv_cut_inside_a_quote_or_a_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = fixture("rules/upn-expression.toml");
    let head = "DN,objectClass,userPrincipalName\r\n\"CN=a,DC=x\",user,a@contoso.com\r\n";
    for (name, tail, line) in [
        ("quote.csv", "\"CN=b,DC=x\",user,\"b@partners.fabr", 3),
        ("row.csv", "\"CN=b,DC=x\",user,b@partners.fabr", 3),
    ] {
        let path = write(&dir, name, format!("{head}{tail}").as_bytes());
        let (_, stdout, stderr) = run(&[
            "classify",
            "--onprem",
            path_str(&path),
            "--rules",
            path_str(&rules),
        ]);
        assert!(!stdout.contains("CN=b,DC=x"), "{name}: {stdout}");
        assert!(stdout.contains("CN=a,DC=x"), "{name}: {stdout}");
        let want = format!("{name}:{line}: error [truncated_input]");
        assert!(stderr.contains(&want), "{name}: no `{want}` in:\n{stderr}");
        assert_eq!(stderr.matches("[truncated_input]").count(), 1, "{stderr}");
    }
}

/// Entries without objectClass (the root DSE; an ldapsearch with an
/// attribute list) are not audited as users: the audit counts them as
/// skipped, with that reason (issue #13 item 5).
#[test]
fn audit_skips_entries_without_object_class_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ldif = write(
        &dir,
        "noclass.ldf",
        b"dn:\nnamingContexts: DC=contoso,DC=com\n\ndn: CN=Ann,DC=contoso,DC=com\ncn: Ann\nuserPrincipalName: ann@partners.fabrikam123.org\n\ndn: CN=Bob,OU=Users,DC=contoso,DC=com\nobjectClass: user\nuserPrincipalName: bob@contoso.com\n\n",
    );
    let out = dir.path().join("report");
    run(&[
        "audit",
        "--onprem",
        path_str(&ldif),
        "--cloud",
        path_str(&fixture("example/graph-users.json")),
        "--rules",
        path_str(&fixture("rules/upn-expression.toml")),
        "--out",
        path_str(&out),
    ]);
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).expect("summary"))
            .expect("JSON");
    let onprem = &summary["onprem"];
    assert_eq!(onprem["records_read"], 3, "{onprem}");
    assert_eq!(onprem["skipped"], 2, "{onprem}");
    let reasons = onprem["skipped_by_reason"].as_object().expect("reasons");
    assert_eq!(reasons.len(), 1, "{onprem}");
    let (why, n) = reasons.iter().next().expect("one reason");
    assert!(why.starts_with("no objectClass"), "{why}");
    assert_eq!(n, 2);
}

/// `Get-ADUser | Select-Object ... | Export-Csv` without DistinguishedName
/// is named for what it is, with the command that adds the column, instead
/// of "cannot recognise the format" (issue #13 item 5).
#[test]
fn export_csv_without_a_dn_column_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        &dir,
        "nodn.csv",
        b"\"SamAccountName\",\"UserPrincipalName\",\"Enabled\"\r\n\"ann\",\"ann@partners.fabrikam123.org\",\"True\"\r\n",
    );
    let rules = fixture("rules/upn-expression.toml");
    let (code, _, stderr) = run(&[
        "classify",
        "--onprem",
        path_str(&path),
        "--rules",
        path_str(&rules),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("a CSV export without a DistinguishedName column (3 columns:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Select-Object DistinguishedName"),
        "{stderr}"
    );
    assert!(!stderr.contains("cannot recognise"), "{stderr}");
}

/// A real `Get-ADUser | Select-Object Name,Office,... | Export-Csv` file
/// (fixtures/realworld/README.md): named as an export without a DN column.
#[test]
fn real_select_object_export_without_dn_is_named() {
    let path = fixture("realworld/summit2026-getaduser-select-exportcsv.csv");
    let rules = fixture("rules/upn-expression.toml");
    let (code, _, stderr) = run(&[
        "classify",
        "--onprem",
        path_str(&path),
        "--rules",
        path_str(&rules),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("a CSV export without a DistinguishedName column (5 columns: "),
        "{stderr}"
    );
}

use super::*;

fn finding(id: &str, severity: Severity, detail: &str) -> DiffFinding {
    let kind = kind_of(id);
    DiffFinding {
        id: id.to_owned(),
        kind,
        severity,
        dn: Some("CN=A,OU=P,DC=contoso,DC=com".into()),
        upn: Some("a@contoso.com".into()),
        source_anchor: None,
        cloud_id: None,
        cloud_upn: Some("a@contoso.com".into()),
        intended_user_type: Some("Guest".into()),
        cloud_user_type: Some("Member".into()),
        matched_by: None,
        rule: None,
        source: Some("x.ldf:1".into()),
        detail: detail.to_owned(),
        waiver: None,
        position: 0,
    }
}

/// The kind name of an id's prefix.
fn kind_of(id: &str) -> String {
    crate::findings::FindingId::parse(id)
        .map(|i| i.kind().name().to_owned())
        .unwrap_or_default()
}

fn info(folder: &str, rules_hash: &str) -> AuditInfo {
    AuditInfo {
        folder: folder.into(),
        tool: "usertype-audit 0.1.0".into(),
        generated_at: None,
        verdict: "fail".into(),
        inputs: vec![InputInfo {
            role: "rules".into(),
            path: "rules.toml".into(),
            format: "toml".into(),
            blake3: Some(rules_hash.into()),
        }],
        rules_flow: "expression".into(),
        rules_definition: "x".into(),
        findings_total: 0,
    }
}

fn loaded(folder: &str, rules: &str, mut findings: Vec<DiffFinding>) -> Loaded {
    for (i, f) in findings.iter_mut().enumerate() {
        f.position = i;
    }
    Loaded {
        info: info(folder, rules),
        findings,
        lists_info: None,
    }
}

#[test]
fn new_resolved_changed_and_unchanged_are_told_apart_by_id() {
    let old = loaded(
        "old",
        "h",
        vec![
            finding("gam-0000000001", Severity::Critical, "d"),
            finding("gam-0000000002", Severity::High, "d"),
            finding("mic-0000000003", Severity::Low, "d"),
            finding("smt-0000000004", Severity::Medium, "d"),
        ],
    );
    let new = loaded(
        "new",
        "h",
        vec![
            // Severity lowered.
            finding("gam-0000000001", Severity::High, "d"),
            finding("mic-0000000003", Severity::Low, "d"),
            // The id read in upper case is the same id.
            finding("SMT-0000000004", Severity::Medium, "d"),
            finding("gam-0000000009", Severity::Critical, "d"),
        ],
    );
    let diff = compare(old, new, Severity::High);
    assert!(diff.warnings.is_empty(), "{:?}", diff.warnings);
    let ids = |v: &[DiffFinding]| v.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&diff.new_findings), ["gam-0000000009"]);
    assert_eq!(ids(&diff.resolved), ["gam-0000000002"]);
    assert_eq!(diff.changed.len(), 1);
    assert_eq!(
        diff.changed[0].changes,
        [FieldChange {
            field: "severity",
            before: Some("critical".into()),
            after: Some("high".into())
        }]
    );
    assert_eq!(diff.unchanged, 2);
    // The new critical one reaches high; the lowered one was already above it.
    assert_eq!(diff.newly_reaching, 1);
    assert!(diff.failed);
}

#[test]
fn a_waived_or_lower_new_finding_does_not_fail_but_a_risen_one_does() {
    let mut waived = finding("gam-0000000009", Severity::Critical, "d");
    waived.waiver = Some(
        serde_json::json!({"at": "waivers.toml:2", "owner": "o", "expires": "2099-01-01", "reason": "r"}),
    );
    let old = loaded(
        "old",
        "h",
        vec![finding("smt-0000000004", Severity::Medium, "d")],
    );
    let new = loaded(
        "new",
        "h",
        vec![
            finding("smt-0000000004", Severity::Medium, "d"),
            waived,
            finding("mic-0000000003", Severity::Low, "d"),
        ],
    );
    let diff = compare(old.clone(), new, Severity::High);
    assert_eq!(diff.new_findings.len(), 2);
    assert!(!diff.failed);
    // Risen from medium to high: it newly reaches the threshold.
    let risen = loaded(
        "new",
        "h",
        vec![finding("smt-0000000004", Severity::High, "other")],
    );
    let diff = compare(old, risen, Severity::High);
    assert!(diff.failed);
    let fields: Vec<&str> = diff.changed[0].changes.iter().map(|c| c.field).collect();
    assert_eq!(fields, ["severity", "detail"]);
}

#[test]
fn different_rules_tenants_and_versions_are_said_first() {
    let old = loaded(
        "old",
        "aaaa",
        vec![finding("gam-0000000001", Severity::Critical, "d")],
    );
    let mut other = finding("gam-0000000001", Severity::Critical, "d");
    other.cloud_upn = Some("a@fabrikam.com".into());
    other.dn = Some("CN=A,DC=fabrikam,DC=com".into());
    let mut new = loaded("new", "bbbb", vec![other]);
    new.info.tool = "usertype-audit 9.9.9".into();
    new.info.verdict = "incomplete".into();
    let diff = compare(old, new, Severity::High);
    let codes: Vec<&str> = diff.warnings.iter().map(|w| w.code).collect();
    assert_eq!(
        codes,
        [
            "different_rules",
            "different_tenant",
            "different_forest",
            "different_version",
            "incomplete_audit"
        ]
    );
    assert!(diff.warnings[1].detail.contains("contoso.com"));
    assert!(diff.warnings[1].detail.contains("fabrikam.com"));
}

#[test]
fn info_findings_are_compared_only_when_both_list_them() {
    let mut old = loaded(
        "old",
        "h",
        vec![finding("oos-0000000001", Severity::Info, "d")],
    );
    old.lists_info = Some(true);
    let mut new = loaded("new", "h", vec![]);
    new.lists_info = Some(false);
    let diff = compare(old, new, Severity::Info);
    assert!(diff.resolved.is_empty());
    assert_eq!(diff.warnings[0].code, "info_listing_differs");
}

use super::*;

fn finding(kind: Kind, anchor: &str, dn: &str, upn: Option<&str>) -> Finding {
    Finding {
        id: FindingId::account(kind, Some(anchor), Some(dn)),
        kind,
        severity: Severity::High,
        dn: Some(dn.into()),
        upn: upn.map(str::to_owned),
        source_anchor: Some(anchor.into()),
        cloud_id: None,
        cloud_upn: None,
        intended_user_type: None,
        cloud_user_type: None,
        matched_by: None,
        rule: None,
        source: None,
        detail: String::new(),
        waiver: None,
    }
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn error(text: &str) -> String {
    Waivers::parse("w.toml", text).unwrap_err().to_string()
}

#[test]
fn dates_parse_strictly_and_order() {
    assert_eq!(date("2024-02-29").to_string(), "2024-02-29");
    for bad in [
        "2023-02-29",
        "2024-13-01",
        "2024-00-10",
        "2024-1-01",
        "24-01-01",
        "2024-01-32",
        "+024-01-01",
        "",
    ] {
        assert_eq!(Date::parse(bad), None, "{bad}");
    }
    assert!(date("2026-12-31") < date("2027-01-01"));
    assert_eq!(Date::from_unix(0).to_string(), "1970-01-01");
    // 2000-03-01 00:00:00 UTC, after a leap day.
    assert_eq!(Date::from_unix(951_868_800).to_string(), "2000-03-01");
    assert_eq!(Date::from_unix(-1).to_string(), "1969-12-31");
}

#[test]
fn globs_match_case_insensitively_with_stars() {
    assert!(glob("*@lab.contoso.com", "Ann@LAB.contoso.com"));
    assert!(!glob("*@lab.contoso.com", "ann@lab.contoso.com.evil"));
    assert!(glob("cn=*,ou=service,*", "CN=svc1,OU=Service,DC=x"));
    assert!(!glob("cn=*,ou=service,*", "CN=svc1,OU=Staff,DC=x"));
    assert!(glob("exact", "EXACT"));
    assert!(!glob("exact", "exactly"));
    assert!(glob("*", ""));
    assert!(glob("a*a", "aa"));
    // `*` matches a finding without the value (matched as empty text).
    let mut no_upn = finding(Kind::RuleError, "QQ==", "CN=N,DC=x", None);
    let w = Waivers::parse(
        "w.toml",
        "[[waiver]]\nkind = \"rule_error\"\nupn = \"*\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2099-01-01\n",
    )
    .unwrap();
    w.apply(std::slice::from_mut(&mut no_upn), date("2026-01-01"));
    assert!(no_upn.waiver.is_some());
    assert!(!glob("a*a", "a"));
}

#[test]
fn waivers_apply_expire_and_go_stale() {
    let partner = finding(
        Kind::GuestAsMember,
        "QQ==",
        "CN=P,OU=Partners,DC=x",
        Some("p@partner.example"),
    );
    let lab = finding(
        Kind::SoftMatch,
        "Qg==",
        "CN=L,OU=Lab,DC=x",
        Some("l@LAB.contoso.com"),
    );
    let other = finding(
        Kind::SoftMatch,
        "Qw==",
        "CN=O,OU=Staff,DC=x",
        Some("o@contoso.com"),
    );
    let text = format!(
        r#"
[[waiver]]
id = "{}"
reason = "EDI account"
owner = "alice"
expires = 2027-03-31

[[waiver]]
kind = "soft-match"
upn = "*@lab.contoso.com"
reason = "lab"
owner = "bob"
expires = "2026-01-01"

[[waiver]]
kind = "missing_in_cloud"
dn = "*,OU=Gone,*"
reason = "nothing left there"
owner = "carol"
expires = 2030-01-01
"#,
        partner.id.to_string().to_uppercase()
    );
    let waivers = Waivers::parse("w.toml", &text).unwrap();
    assert_eq!(waivers.len(), 3);
    let mut findings = vec![partner.clone(), lab.clone(), other.clone()];
    let summary = waivers.apply(&mut findings, date("2026-01-01"));
    let w = findings[0].waiver.as_deref().expect("waived by id");
    assert_eq!((w.at.as_str(), w.owner.as_str()), ("w.toml:2", "alice"));
    assert_eq!(
        w.text,
        "w.toml:2; owner alice; expires 2027-03-31; EDI account"
    );
    // The pattern applies through its expires date, inclusive.
    assert_eq!(
        findings[1].waiver.as_deref().map(|w| w.at.as_str()),
        Some("w.toml:8")
    );
    assert_eq!(findings[2].waiver, None);
    assert_eq!(summary.waived, 2);
    assert_eq!(
        summary.by_kind,
        [(Kind::GuestAsMember, 1), (Kind::SoftMatch, 1)]
    );
    assert_eq!(summary.by_severity, [(Severity::High, 2)]);
    assert!(summary.expired.is_empty());
    let stale: Vec<&str> = summary.stale.iter().map(|n| n.at.as_str()).collect();
    assert_eq!(stale, ["w.toml:15"]);
    assert_eq!(
        summary.stale[0].selects,
        "kind missing_in_cloud, dn *,ou=gone,*"
    );

    // The day after, the pattern waiver has expired: it waives nothing.
    let mut findings = vec![partner, lab, other];
    let summary = waivers.apply(&mut findings, date("2026-01-02"));
    assert_eq!(findings[1].waiver, None);
    assert_eq!(summary.waived, 1);
    assert_eq!(summary.expired.len(), 1);
    assert_eq!(summary.expired[0].at, "w.toml:8");
    assert_eq!(summary.expired[0].matches, 1, "what it would still cover");
    assert_eq!(summary.as_of.as_deref(), Some("2026-01-02"));
}

#[test]
fn the_first_waiver_in_force_wins() {
    let f = finding(Kind::SoftMatch, "QQ==", "CN=L,DC=x", Some("l@lab.example"));
    let text = format!(
        "[[waiver]]\nkind = \"soft_match\"\nupn = \"*\"\nreason = \"r\"\nowner = \"old\"\nexpires = 2000-01-01\n\n\
         [[waiver]]\nid = \"{}\"\nreason = \"r\"\nowner = \"second\"\nexpires = 2099-01-01\n\n\
         [[waiver]]\nkind = \"soft_match\"\nupn = \"*@lab.example\"\nreason = \"r\"\nowner = \"third\"\nexpires = 2099-01-01\n",
        f.id
    );
    let waivers = Waivers::parse("w.toml", &text).unwrap();
    let mut findings = vec![f];
    let s = waivers.apply(&mut findings, date("2026-06-01"));
    assert_eq!(
        findings[0].waiver.as_deref().map(|w| w.owner.as_str()),
        Some("second")
    );
    assert_eq!(s.expired.len(), 1);
    assert!(
        s.stale.is_empty(),
        "the third matches, though the second applies"
    );
}

#[test]
fn a_renewal_of_the_same_id_applies_after_the_expired_entry() {
    let f = finding(Kind::SoftMatch, "QQ==", "CN=L,DC=x", Some("l@lab.example"));
    let entry = |owner: &str, expires: &str| {
        format!(
            "[[waiver]]\nid = \"{}\"\nreason = \"r\"\nowner = \"{owner}\"\nexpires = {expires}\n\n",
            f.id
        )
    };
    let text = entry("old", "2026-01-31") + &entry("renewed", "2026-12-31");
    let waivers = Waivers::parse("w.toml", &text).unwrap();
    let mut findings = vec![f.clone()];
    let s = waivers.apply(&mut findings, date("2026-06-01"));
    assert_eq!(
        findings[0].waiver.as_deref().map(|w| w.owner.as_str()),
        Some("renewed")
    );
    assert_eq!(s.waived, 1);
    assert_eq!(s.expired.len(), 1);
    assert!(s.stale.is_empty(), "the renewal matches: {:?}", s.stale);

    // Two entries in force: the first applies, the second is not stale.
    let text = entry("first", "2099-01-01") + &entry("second", "2099-01-01");
    let waivers = Waivers::parse("w.toml", &text).unwrap();
    let mut findings = vec![f];
    let s = waivers.apply(&mut findings, date("2026-06-01"));
    assert_eq!(
        findings[0].waiver.as_deref().map(|w| w.owner.as_str()),
        Some("first")
    );
    assert!(s.stale.is_empty(), "{:?}", s.stale);
}

#[test]
fn malformed_files_are_errors_with_line_and_column() {
    let ok = "reason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n";
    // A typo in a key is an error, not a silently wider waiver.
    let e = error(&format!(
        "[[waiver]]\nkind = \"soft_match\"\nupm = \"*@x\"\n{ok}"
    ));
    assert!(e.starts_with("w.toml:3:1: "), "{e}");
    assert!(e.contains("upm"), "{e}");
    let e = error(&format!("[[waivers]]\nid = \"gam-0123456789\"\n{ok}"));
    assert!(e.starts_with("w.toml:1:"), "{e}");
    assert!(e.contains("waivers"), "{e}");
    let e = error("[[waiver]]\nid = \"gam-0123456789\"\nreason = \"r\"\nowner = \"o\"\n");
    assert!(e.contains("no `expires`"), "{e}");
    let e = error("[[waiver]]\nid = \"gam-0123456789\"\nowner = \"o\"\nexpires = 2027-01-01\n");
    assert!(e.contains("no `reason`"), "{e}");
    let e = error("[[waiver]]\nid = \"gam-0123456789\"\nreason = \"r\"\nowner = \" \"\nexpires = 2027-01-01\n");
    assert!(e.starts_with("w.toml:4:9: "), "{e}");
    let e = error("[[waiver]]\nid = \"gam-0123456789\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"next year\"\n");
    assert!(
        e.starts_with("w.toml:5:11: ") && e.contains("YYYY-MM-DD"),
        "{e}"
    );
    let e = error("[[waiver]]\nid = \"gam-0123456789\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-02-30\n");
    assert!(e.starts_with("w.toml:5:") && e.contains("date"), "{e}");
    let e = error("[[waiver]]\nid = \"gam-0123456789\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01T10:00:00Z\n");
    assert!(e.contains("not a date"), "{e}");
    let e = error(&format!("[[waiver]]\nid = \"gam-01234\"\n{ok}"));
    assert!(
        e.starts_with("w.toml:2:6: ") && e.contains("not a finding id"),
        "{e}"
    );
    let e = error(&format!(
        "[[waiver]]\nid = \"gam-0123456789\"\nkind = \"guest_as_member\"\n{ok}"
    ));
    assert!(e.contains("either `id`"), "{e}");
    let e = error(&format!(
        "[[waiver]]\nkind = \"guest_is_member\"\nupn = \"*\"\n{ok}"
    ));
    assert!(
        e.starts_with("w.toml:2:8: ") && e.contains("unknown kind"),
        "{e}"
    );
    let e = error(&format!("[[waiver]]\nkind = \"guest_as_member\"\n{ok}"));
    assert!(e.contains("needs a `dn` or `upn` pattern"), "{e}");
    let e = error(&format!("[[waiver]]\n{ok}"));
    assert!(e.contains("selects nothing"), "{e}");
    let long = "x".repeat(10_000);
    let e = error(&format!("[[waiver]]\nkind = \"{long}\"\nupn = \"*\"\n{ok}"));
    assert!(e.len() < 300 && e.contains("unknown kind"), "{e}");
    let e = error("[[waiver]\n");
    assert!(e.starts_with("w.toml:1:"), "{e}");
    // An empty file waives nothing.
    assert!(Waivers::parse("w.toml", "").unwrap().is_empty());
}

//! The cloud readers on fixtures written as the real tools write them
//! (`fixtures/cloud/`), with every expected value written by hand.

use std::io::Write;
use std::path::PathBuf;

use proptest::prelude::*;
use usertype_audit::diag::DiagKind;
use usertype_audit::read::cloud::coverage::{graph_request, powershell_command, GapReason};
use usertype_audit::read::cloud::{
    detect, read_cloud, read_cloud_bytes, remedy, CloudFormat, CloudOptions, CloudRead, CloudUser,
    Identity, Property, UserType,
};
use usertype_audit::read::input::Encoding;

fn path(name: &str) -> String {
    let p: PathBuf = [env!("CARGO_MANIFEST_DIR"), "fixtures", "cloud", name]
        .iter()
        .collect();
    p.to_string_lossy().into_owned()
}

fn read(name: &str) -> CloudRead {
    read_cloud(&path(name), &CloudOptions::default()).expect("fixture reads")
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(path(name)).expect("fixture exists")
}

/// (line, kind) of every kept diagnostic.
fn diags(r: &CloudRead) -> Vec<(u64, DiagKind)> {
    r.summary
        .diagnostics
        .kept
        .iter()
        .map(|d| (d.line, d.kind))
        .collect()
}

fn ids(r: &CloudRead) -> Vec<&str> {
    r.users.iter().map(|u| u.id()).collect()
}

fn lines(r: &CloudRead) -> Vec<u64> {
    r.users.iter().map(|u| u.source.line).collect()
}

fn s(v: &str) -> Option<&str> {
    Some(v)
}

/// An owned value (of an [`Identity`]).
fn b(v: &str) -> Option<Box<str>> {
    Some(v.into())
}

fn list<'a>(v: &[&'a str]) -> Vec<&'a str> {
    v.to_vec()
}

const U1: &str = "4f6f8c7e-1b2a-4c3d-9e8f-0a1b2c3d4e5f";
const U2: &str = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const U3: &str = "9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
const U4: &str = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
const U5: &str = "d08f810b-a35c-49a8-a4cd-c6923dfc031e";

/// The synced partner, as every REST fixture has it.
fn check_partner(u: &CloudUser) {
    assert_eq!(u.id(), U1);
    assert_eq!(u.user_principal_name(), s("p.partner@contoso.com"));
    assert_eq!(u.user_type, Some(UserType::Member));
    assert_eq!(u.account_enabled, Some(true));
    assert_eq!(u.mail(), s("p.partner@contoso.com"));
    assert_eq!(
        u.proxy_addresses().collect::<Vec<_>>(),
        list(&[
            "SMTP:p.partner@contoso.com",
            "smtp:p.partner@contoso.mail.onmicrosoft.com"
        ])
    );
    assert!(u.other_mails().is_empty());
    assert_eq!(u.creation_type(), None);
    assert_eq!(u.external_user_state(), None);
    assert_eq!(
        u.identities().collect::<Vec<_>>(),
        [Identity {
            sign_in_type: b("userPrincipalName"),
            issuer: b("contoso.onmicrosoft.com"),
            issuer_assigned_id: b("p.partner@contoso.com"),
        }]
    );
    assert_eq!(u.on_premises_sync_enabled, Some(true));
    assert_eq!(u.on_premises_immutable_id(), s("iGhmiAEBERG7uxI0VniQqw=="));
    assert_eq!(
        u.on_premises_security_identifier(),
        s("S-1-5-21-347728882-1813064083-908604766-1038")
    );
    assert_eq!(
        u.on_premises_distinguished_name(),
        s("CN=Pat Partner,OU=Partners,DC=contoso,DC=com")
    );
    assert_eq!(u.on_premises_sam_account_name(), s("ppartner"));
    assert_eq!(
        u.on_premises_user_principal_name(),
        s("p.partner@contoso.com")
    );
    assert_eq!(u.on_premises_domain_name(), s("contoso.com"));
    assert_eq!(
        u.on_premises_last_sync_date_time(),
        s("2024-05-02T07:41:12Z")
    );
    assert_eq!(u.on_premises_extension_attributes().get(1), Some("Guest"));
    assert_eq!(
        u.on_premises_extension_attributes().iter().count(),
        1,
        "only extensionAttribute1 is set"
    );
    assert_eq!(u.created_date_time(), s("2019-11-19T22:33:39Z"));
}

/// The B2B guest (`#EXT#`, Invitation, Accepted).
fn check_b2b_guest(u: &CloudUser) {
    assert_eq!(u.id(), U2);
    assert_eq!(
        u.user_principal_name(),
        s("jdoe_fabrikam.com#EXT#@contoso.onmicrosoft.com")
    );
    assert_eq!(u.user_type, Some(UserType::Guest));
    assert_eq!(u.account_enabled, Some(true));
    assert_eq!(u.mail(), s("jdoe@fabrikam.com"));
    assert_eq!(
        u.proxy_addresses().collect::<Vec<_>>(),
        list(&["SMTP:jdoe@fabrikam.com"])
    );
    assert_eq!(
        u.other_mails().collect::<Vec<_>>(),
        list(&["jdoe@fabrikam.com"])
    );
    assert_eq!(u.creation_type(), s("Invitation"));
    assert_eq!(u.external_user_state(), s("Accepted"));
    assert_eq!(
        u.identities().collect::<Vec<_>>(),
        [Identity {
            sign_in_type: b("federated"),
            issuer: b("ExternalAzureAD"),
            issuer_assigned_id: None,
        }]
    );
    assert_eq!(u.on_premises_sync_enabled, None);
    assert_eq!(u.on_premises_immutable_id(), None);
    assert_eq!(u.on_premises_security_identifier(), None);
    assert!(u.on_premises_extension_attributes().is_empty());
    assert_eq!(u.created_date_time(), s("2023-03-14T09:26:53Z"));
    // Null is present, not valued.
    assert!(u.present.contains(Property::OnPremisesImmutableId));
    assert!(!u.valued.contains(Property::OnPremisesImmutableId));
}

fn check_rest_users(r: &CloudRead) {
    assert_eq!(ids(r), vec![U1, U2, U3, U4, U5]);
    check_partner(&r.users[0]);
    check_b2b_guest(&r.users[1]);
    let u3 = &r.users[2];
    assert_eq!(u3.user_type, Some(UserType::Guest));
    assert_eq!(u3.on_premises_sync_enabled, Some(true));
    assert_eq!(u3.on_premises_immutable_id(), s("/xmWb4aLEdC0LQDAT8lk/w=="));
    assert_eq!(
        u3.on_premises_extension_attributes().get(15),
        Some("Vendor")
    );
    assert_eq!(u3.created_date_time(), None);
    let u4 = &r.users[3];
    assert_eq!(u4.mail(), None);
    assert!(u4.proxy_addresses().is_empty());
    assert!(
        u4.valued.contains(Property::ProxyAddresses),
        "[] is a value"
    );
    let u5 = &r.users[4];
    assert_eq!(u5.account_enabled, Some(false));
    assert_eq!(u5.on_premises_sync_enabled, Some(false));
    let sum = &r.summary;
    assert_eq!(sum.users, 5);
    assert_eq!(sum.pages, 2);
    assert_eq!(sum.rejected, 0);
    assert_eq!(
        (
            sum.by_user_type.member,
            sum.by_user_type.guest,
            sum.by_user_type.absent
        ),
        (3, 2, 0)
    );
    assert_eq!(
        (
            sum.synced.synced,
            sum.synced.no_longer_synced,
            sum.synced.never_or_unknown
        ),
        (2, 1, 2)
    );
    assert!(sum.coverage.gaps.is_empty(), "{:?}", sum.coverage.gaps);
    assert!(sum.coverage.is_complete());
    assert_eq!(sum.coverage.synced_users, 2);
}

#[test]
fn rest_pages_one_per_line() {
    let r = read("rest-pages-per-line.json");
    assert_eq!(r.format, CloudFormat::GraphPagesPerLine);
    check_rest_users(&r);
    assert_eq!(lines(&r), vec![1, 1, 1, 2, 2]);
    assert_eq!(diags(&r), vec![]);
}

#[test]
fn rest_pages_pretty_and_concatenated() {
    let r = read("rest-pages-pretty.json");
    assert_eq!(r.format, CloudFormat::GraphPages);
    check_rest_users(&r);
    assert_eq!(lines(&r), vec![5, 52, 100, 151, 195]);
    assert_eq!(diags(&r), vec![]);
}

#[test]
fn rest_array_of_pages() {
    let r = read("rest-array-of-pages.json");
    assert_eq!(r.format, CloudFormat::ArrayOfPages);
    check_rest_users(&r);
    assert_eq!(lines(&r), vec![6, 53, 101, 152, 196]);
}

#[test]
fn json_lines_of_users() {
    let r = read("rest-users.jsonl");
    assert_eq!(r.format, CloudFormat::JsonLines);
    assert_eq!(ids(&r), vec![U1, U2, U3, U4, U5]);
    check_partner(&r.users[0]);
    check_b2b_guest(&r.users[1]);
    assert_eq!(lines(&r), vec![1, 2, 3, 4, 5]);
    assert_eq!(r.summary.pages, 0);
}

#[test]
fn same_users_whatever_the_rest_shape() {
    let strip = |mut r: CloudRead| {
        for u in &mut r.users {
            u.source.line = 0;
        }
        r.users
    };
    let want = strip(read("rest-pages-per-line.json"));
    for f in [
        "rest-pages-pretty.json",
        "rest-array-of-pages.json",
        "rest-users.jsonl",
    ] {
        assert_eq!(strip(read(f)), want, "{f}");
    }
}

#[test]
fn powershell_convertto_json_pascal_case_dates_and_nulls() {
    let r = read("mguser-convertto-json.json");
    assert_eq!(r.format, CloudFormat::UserArray);
    assert_eq!(ids(&r), vec![U1, U2, U4]);
    assert_eq!(lines(&r), vec![2, 90, 177]);
    let u = &r.users[0];
    check_partner(u);
    // Every model property is present (null or not).
    assert!(Property::ALL.iter().all(|p| u.present.contains(*p)));
    let g = &r.users[1];
    check_b2b_guest(g);
    let a = &r.users[2];
    assert_eq!(a.user_principal_name(), s("admin@contoso.onmicrosoft.com"));
    assert_eq!(a.mail(), None);
    assert_eq!(a.created_date_time(), s("2018-09-03T11:02:44Z"));
    assert_eq!(a.on_premises_sync_enabled, None);
    assert_eq!(diags(&r), vec![]);
    assert_eq!(r.summary.encoding, Encoding::Utf8);
    assert!(r.summary.coverage.is_complete(), "{:?}", r.summary.coverage);
}

#[test]
fn utf16le_file_yields_the_same_users_as_its_utf8_twin() {
    let utf8 = read("mguser-convertto-json.json");
    let utf16 = read("mguser-convertto-json.utf16le.json");
    assert_eq!(utf16.summary.encoding, Encoding::Utf16Le);
    assert_eq!(utf16.format, CloudFormat::UserArray);
    assert_eq!(utf16.users, utf8.users);
    assert_eq!(diags(&utf16), vec![(1, DiagKind::Utf16Transcoded)]);
    // And from memory.
    let mem = read_cloud_bytes(
        "x.json",
        &bytes("mguser-convertto-json.utf16le.json"),
        &CloudOptions::default(),
    );
    assert_eq!(mem.users, utf8.users);
}

#[test]
fn convertto_json_past_its_depth() {
    let r = read("mguser-depth2.json");
    assert_eq!(r.format, CloudFormat::UserArray);
    assert_eq!(ids(&r), vec![U1]);
    let u = &r.users[0];
    assert!(u.identities().is_empty());
    assert!(!u.valued.contains(Property::Identities));
    assert_eq!(u.on_premises_extension_attributes().get(1), Some("Guest"));
    assert_eq!(u.created_date_time(), s("2019-11-19T22:33:39Z"));
    let d = &r.summary.diagnostics.kept[0];
    assert_eq!((d.line, d.kind), (9, DiagKind::StringifiedObject));
    assert!(d.message.contains("`identities`"), "{}", d.message);
    assert!(d.message.contains("-Depth 10"), "{}", d.message);
    assert!(d
        .to_string()
        .contains("mguser-depth2.json:9: warning [stringified_object]"));
}

#[test]
fn wrong_types_are_warnings_with_lines() {
    let r = read("wrong-types.jsonl");
    assert_eq!(ids(&r), vec!["w1", "w2", "w4", "w6"]);
    assert_eq!(
        diags(&r)
            .into_iter()
            .filter(|(_, k)| *k != DiagKind::CoverageGap)
            .collect::<Vec<_>>(),
        vec![
            (1, DiagKind::WrongType), // accountEnabled "yes"
            (1, DiagKind::WrongType), // onPremisesSyncEnabled 1
            (2, DiagKind::WrongType), // userType 1
            (2, DiagKind::WrongType), // proxyAddresses "SMTP:..."
            (2, DiagKind::WrongType), // mail {}
            (3, DiagKind::WrongType), // id 123
            (3, DiagKind::MissingId),
            (4, DiagKind::InvalidDate),
            (4, DiagKind::StringifiedObject), // identities "@{...}"
            (5, DiagKind::MissingId),
            (6, DiagKind::WrongType), // extensionAttribute1 ["a"]
            (6, DiagKind::WrongType), // otherMails [.., 2]
        ]
    );
    let msgs: Vec<&str> = r
        .summary
        .diagnostics
        .kept
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(msgs[0].contains("`accountEnabled` is a string, expected true or false"));
    assert!(msgs[2].contains("`userType` is a number"));
    let w1 = &r.users[0];
    assert_eq!(w1.account_enabled, None);
    assert!(w1.present.contains(Property::AccountEnabled));
    assert!(!w1.valued.contains(Property::AccountEnabled));
    assert_eq!(w1.user_type, Some(UserType::Member));
    // A Windows PowerShell Get-Date object holds its date in `value`.
    assert_eq!(
        r.users[2].on_premises_last_sync_date_time(),
        s("2019-11-19T22:33:39Z")
    );
    assert_eq!(r.users[2].created_date_time(), None);
    assert_eq!(r.summary.rejected, 2);
}

#[test]
fn truncated_file_keeps_whole_users_and_names_the_line() {
    let r = read("truncated.json");
    assert_eq!(ids(&r), vec![U1, U2, U3]);
    let d = &r.summary.diagnostics.kept[0];
    assert_eq!((d.line, d.kind), (153, DiagKind::TruncatedInput));
    assert!(d.message.contains("starting on line 151"), "{}", d.message);
    assert!(d.message.contains("cut short"), "{}", d.message);
    assert!(d.to_string().starts_with(&format!(
        "{}:153: error [truncated_input]",
        path("truncated.json")
    )));
    // The last complete page had @odata.nextLink: the export is incomplete.
    assert!(diags(&r).contains(&(1, DiagKind::TruncatedInput)));
    let strict = CloudOptions {
        strict: true,
        ..CloudOptions::default()
    };
    match read_cloud(&path("truncated.json"), &strict) {
        Err(usertype_audit::error::Error::Strict(d)) => assert_eq!(d.line, 153),
        other => panic!(
            "expected a strict error, got {:?}",
            other.map(|r| r.users.len())
        ),
    }
}

#[test]
fn next_link_on_the_last_page_means_an_incomplete_export() {
    let text = bytes("rest-pages-per-line.json");
    let first = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let r = read_cloud_bytes("p1.json", first, &CloudOptions::default());
    assert_eq!(r.users.len(), 3);
    let d = &r.summary.diagnostics.kept[0];
    assert_eq!((d.line, d.kind), (1, DiagKind::TruncatedInput));
    assert!(d.message.contains("@odata.nextLink"));
}

#[test]
fn invalid_utf8_is_invalid_json_at_its_line_and_the_next_line_is_read() {
    let text = b"{\"id\":\"a\"}\n{\"id\":\"x\",\"mail\":\"caf\xe9\"}\n{\"id\":\"y\"}\n";
    let r = read_cloud_bytes("bad.jsonl", text, &CloudOptions::default());
    assert_eq!(ids(&r), vec!["a", "y"]);
    assert_eq!(lines(&r), vec![1, 3]);
    let d = &r.summary.diagnostics.kept[0];
    assert_eq!((d.line, d.kind), (2, DiagKind::InvalidJson));
    assert_eq!(&*d.file, "bad.jsonl");
}

#[test]
fn default_select_export_names_the_gaps_and_the_commands() {
    let r = read("rest-default-select.json");
    assert_eq!(r.users.len(), 5);
    let cov = &r.summary.coverage;
    assert!(!cov.is_complete());
    let gaps: Vec<(&str, GapReason, bool)> = cov
        .gaps
        .iter()
        .map(|g| (g.property.name(), g.reason, g.blocking))
        .collect();
    assert_eq!(
        gaps,
        vec![
            ("userType", GapReason::AbsentEverywhere, true),
            ("onPremisesImmutableId", GapReason::AbsentEverywhere, true),
            ("onPremisesSyncEnabled", GapReason::AbsentEverywhere, true),
            ("accountEnabled", GapReason::AbsentEverywhere, false),
            ("proxyAddresses", GapReason::AbsentEverywhere, false),
            (
                "onPremisesSecurityIdentifier",
                GapReason::AbsentEverywhere,
                false
            ),
            ("creationType", GapReason::AbsentEverywhere, false),
            ("externalUserState", GapReason::AbsentEverywhere, false),
        ]
    );
    let select = "id,userPrincipalName,userType,accountEnabled,mail,proxyAddresses,otherMails,creationType,externalUserState,identities,onPremisesSyncEnabled,onPremisesImmutableId,onPremisesSecurityIdentifier,onPremisesDistinguishedName,onPremisesSamAccountName,onPremisesUserPrincipalName,onPremisesDomainName,onPremisesLastSyncDateTime,onPremisesExtensionAttributes,createdDateTime";
    assert_eq!(
        graph_request(),
        format!("GET https://graph.microsoft.com/v1.0/users?$select={select}&$top=999")
    );
    assert_eq!(
        powershell_command(),
        format!("Get-MgUser -All -Property {select} | Select-Object {select} | ConvertTo-Json -Depth 10 | Out-File -Encoding utf8 graph-users.json")
    );
    let text = remedy(cov);
    assert!(text.starts_with(
        "The export lacks properties the verdict depends on: userType, onPremisesImmutableId, \
         onPremisesSyncEnabled.\nIt lacks properties that only limit secondary checks: \
         accountEnabled, proxyAddresses,"
    ));
    assert!(text.contains(&graph_request()));
    assert!(text.contains(&powershell_command()));
    // Gaps are data, shown once by the caller: not diagnostics too.
    assert_eq!(
        r.summary.diagnostics.counts.get(&DiagKind::CoverageGap),
        None
    );
}

#[test]
fn get_mguser_without_property_is_null_everywhere() {
    // Get-MgUser without -Property: every key, values null.
    let text = br#"[{"Id":"1","UserPrincipalName":"a@contoso.com","UserType":null,"AccountEnabled":null,"Mail":null,"ProxyAddresses":[],"CreationType":null,"ExternalUserState":null,"OnPremisesSyncEnabled":null,"OnPremisesImmutableId":null,"OnPremisesSecurityIdentifier":null}]"#;
    let r = read_cloud_bytes("x.json", text, &CloudOptions::default());
    let blocking: Vec<&str> = r
        .summary
        .coverage
        .blocking()
        .map(|g| g.property.name())
        .collect();
    // accountEnabled null everywhere limits a secondary check only.
    assert_eq!(blocking, vec!["userType"]);
    // Synced users without an ImmutableId.
    let text = br#"{"id":"1","userPrincipalName":"a@x","userType":"Member","accountEnabled":true,"onPremisesSyncEnabled":true,"onPremisesImmutableId":null}"#;
    let r = read_cloud_bytes("x.json", text, &CloudOptions::default());
    let g = r
        .summary
        .coverage
        .gaps
        .iter()
        .find(|g| g.property == Property::OnPremisesImmutableId)
        .map(|g| (g.reason, g.blocking));
    assert_eq!(g, Some((GapReason::NullOnSyncedUsers, true)));
}

#[test]
fn admin_center_csv_variant_a() {
    let r = read("admin-center-variant-a.csv");
    assert_eq!(r.format, CloudFormat::AdminCenterCsv);
    assert_eq!(ids(&r), vec![U1, U2, U5]);
    assert_eq!(lines(&r), vec![2, 3, 4]);
    let u = &r.users[0];
    assert_eq!(u.user_principal_name(), s("p.partner@contoso.com"));
    assert_eq!(u.user_type, Some(UserType::Member));
    assert_eq!(u.account_enabled, Some(true));
    assert_eq!(u.mail(), s("p.partner@contoso.com"));
    assert_eq!(u.on_premises_immutable_id(), None);
    let g = &r.users[1];
    assert_eq!(g.user_type, Some(UserType::Guest));
    assert_eq!(
        g.other_mails().collect::<Vec<_>>(),
        list(&["jdoe@fabrikam.com"])
    );
    let f = &r.users[2];
    assert_eq!(f.account_enabled, Some(false));
    assert_eq!(
        f.other_mails().collect::<Vec<_>>(),
        list(&["=1+3"]),
        "kept literally"
    );
    assert_eq!(diags(&r)[0], (1, DiagKind::ByteOrderMark));
    let cov = &r.summary.coverage;
    let not_in_format: Vec<&str> = cov
        .gaps
        .iter()
        .filter(|g| g.reason == GapReason::NotInFormat)
        .map(|g| g.property.name())
        .collect();
    assert_eq!(
        not_in_format,
        vec!["onPremisesImmutableId", "onPremisesSecurityIdentifier"]
    );
    assert!(!cov.is_complete());
    assert!(remedy(cov)
        .contains("The admin-center \"Download users\" CSV never carries onPremisesImmutableId"));
}

#[test]
fn admin_center_csv_variant_b_verbatim() {
    let r = read("admin-center-variant-b.csv");
    assert_eq!(r.format, CloudFormat::AdminCenterCsv);
    assert_eq!(
        ids(&r),
        vec![
            "7cc0c81b-f2a2-489a-8243-eda96da4214d",
            "05f9eb61-470e-426c-b631-6db6bf429063"
        ]
    );
    let u = &r.users[0];
    assert_eq!(
        u.user_principal_name(),
        s("MSOBBYSec_outlook.com#EXT#@MSOBBYSecoutlook.onmicrosoft.com")
    );
    assert_eq!(u.user_type, Some(UserType::Member));
    assert_eq!(u.account_enabled, Some(true));
    assert_eq!(u.mail(), None);
    assert_eq!(
        u.other_mails().collect::<Vec<_>>(),
        list(&["MSOBBYSec@outlook.com"])
    );
    assert_eq!(u.on_premises_sync_enabled, None, "directorySynced is empty");
    assert!(u.present.contains(Property::OnPremisesSyncEnabled));
    assert_eq!(
        u.identities().collect::<Vec<_>>(),
        [Identity {
            issuer: b("MSOBBYSecoutlook.onmicrosoft.com"),
            ..Identity::default()
        }]
    );
    assert_eq!(u.created_date_time(), s("2021-08-19T13:25:31"));
    assert_eq!(r.users[1].created_date_time(), s("2021-08-19T15:02:10"));
    assert_eq!(lines(&r), vec![2, 3]);
    assert_eq!(
        diags(&r)
            .into_iter()
            .filter(|(_, k)| *k != DiagKind::CoverageGap)
            .collect::<Vec<_>>(),
        vec![]
    );
}

#[test]
fn powershell_export_csv() {
    let r = read("mguser-export-csv.csv");
    assert_eq!(r.format, CloudFormat::PowerShellCsv);
    assert_eq!(ids(&r), vec![U1, U2]);
    assert_eq!(lines(&r), vec![3, 4]);
    let u = &r.users[0];
    assert_eq!(u.on_premises_immutable_id(), s("iGhmiAEBERG7uxI0VniQqw=="));
    assert_eq!(u.on_premises_sync_enabled, Some(true));
    assert_eq!(u.created_date_time(), s("2019-11-19T22:33:39"));
    assert_eq!(
        u.on_premises_last_sync_date_time(),
        s("2024-05-02T07:41:12")
    );
    assert!(u.proxy_addresses().is_empty());
    let g = &r.users[1];
    assert_eq!(g.creation_type(), s("Invitation"));
    assert_eq!(g.external_user_state(), s("Accepted"));
    assert_eq!(g.on_premises_sync_enabled, None);
    let unusable: Vec<(u64, DiagKind)> = diags(&r)
        .into_iter()
        .filter(|(_, k)| *k == DiagKind::UnusableColumn)
        .collect();
    assert_eq!(
        unusable,
        vec![(3, DiagKind::UnusableColumn), (3, DiagKind::UnusableColumn)]
    );
}

#[test]
fn csv_problems() {
    let text = b"id,userPrincipalName,userType,accountEnabled,createdDateTime,objectId\n\
a,a@x,Member,Maybe,yesterday,a\n\
b,b@x,Guest\n\
,c@x,Member,True,,\n\
d,\"d@x,Member,True,,\n";
    let r = read_cloud_bytes("u.csv", text, &CloudOptions::default());
    assert_eq!(ids(&r), vec!["a"]);
    assert_eq!(
        diags(&r)
            .into_iter()
            .filter(|(_, k)| *k != DiagKind::CoverageGap)
            .collect::<Vec<_>>(),
        vec![
            (1, DiagKind::DuplicateColumn),
            (2, DiagKind::InvalidBoolean),
            (2, DiagKind::InvalidDate),
            (3, DiagKind::RaggedRow),
            (4, DiagKind::MissingId),
            (5, DiagKind::TruncatedInput),
        ]
    );
    assert_eq!(r.summary.rejected, 3);
}

#[test]
fn gzip_line_file_is_streamed() {
    let plain = bytes("rest-pages-per-line.json");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).expect("gzip");
    let gz = gz.finish().expect("gzip");
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("users.json.gz");
    std::fs::write(&p, gz).expect("write");
    let r = read_cloud(&p.to_string_lossy(), &CloudOptions::default()).expect("reads");
    assert_eq!(r.format, CloudFormat::GraphPagesPerLine);
    check_rest_users(&r);
    assert_eq!(lines(&r), vec![1, 1, 1, 2, 2]);
}

#[test]
fn detect_by_content() {
    let cases: &[(&str, Option<CloudFormat>)] = &[
        (
            "rest-pages-per-line.json",
            Some(CloudFormat::GraphPagesPerLine),
        ),
        ("rest-pages-pretty.json", Some(CloudFormat::GraphPages)),
        ("rest-array-of-pages.json", Some(CloudFormat::ArrayOfPages)),
        ("rest-users.jsonl", Some(CloudFormat::JsonLines)),
        ("mguser-convertto-json.json", Some(CloudFormat::UserArray)),
        (
            "admin-center-variant-a.csv",
            Some(CloudFormat::AdminCenterCsv),
        ),
        (
            "admin-center-variant-b.csv",
            Some(CloudFormat::AdminCenterCsv),
        ),
        ("mguser-export-csv.csv", Some(CloudFormat::PowerShellCsv)),
    ];
    for (f, want) in cases {
        let b = bytes(f);
        assert_eq!(detect(&b[..b.len().min(4096)]), *want, "{f}");
    }
    assert_eq!(detect(b"name,size\n1,2\n"), None);
    assert_eq!(detect(b""), None);
}

/// A line-per-value file with errors, many lines.
fn many_lines() -> Vec<u8> {
    let mut t = Vec::new();
    for i in 0..300 {
        match i % 37 {
            5 => t.extend_from_slice(b"{\"id\":\"broken\",\"userType\":\n"),
            11 => t.extend_from_slice(b"\n"),
            17 => t.extend_from_slice(format!("{{\"id\":\"u{i}\",\"accountEnabled\":\"yes\"}}\n").as_bytes()),
            23 => t.extend_from_slice(format!("{{\"@odata.context\":\"x\",\"value\":[{{\"id\":\"p{i}a\"}},{{\"id\":\"p{i}b\",\"userType\":\"Guest\"}}]}}\n").as_bytes()),
            _ => t.extend_from_slice(format!("{{\"id\":\"u{i}\",\"userPrincipalName\":\"u{i}@contoso.com\",\"userType\":\"Member\"}}\r\n").as_bytes()),
        }
    }
    t
}

#[test]
fn chunking_and_transport_do_not_change_results() {
    let text = many_lines();
    let whole = read_cloud_bytes("m.jsonl", &text, &CloudOptions::default());
    assert!(whole.users.len() > 250);
    assert!(whole.summary.diagnostics.counts[&DiagKind::InvalidJson] >= 8);
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("m.jsonl");
    std::fs::write(&p, &text).expect("write");
    let p = p.to_string_lossy().into_owned();
    for chunk_size in [1, 2, 7, 64, 1000, 1 << 20] {
        let opts = CloudOptions {
            chunk_size,
            ..CloudOptions::default()
        };
        let mem = read_cloud_bytes("m.jsonl", &text, &opts);
        assert_eq!(mem.users, whole.users, "memory, chunk {chunk_size}");
        assert_eq!(
            mem.summary.diagnostics.kept, whole.summary.diagnostics.kept,
            "memory, chunk {chunk_size}"
        );
        let mapped = read_cloud(&p, &opts).expect("reads");
        assert_eq!(mapped.users, whole.users, "mapped, chunk {chunk_size}");
        let strip_file = |r: &CloudRead| -> Vec<(u64, DiagKind, String)> {
            r.summary
                .diagnostics
                .kept
                .iter()
                .map(|d| (d.line, d.kind, d.message.clone()))
                .collect()
        };
        assert_eq!(
            strip_file(&mapped),
            strip_file(&whole),
            "mapped, chunk {chunk_size}"
        );
    }
}

/// Reads `data` with the fast user scanner and with serde only: the users,
/// diagnostics and format must be the same.
fn fast_equals_serde(name: &str, data: &[u8]) -> Result<(), TestCaseError> {
    let fast = read_cloud_bytes(name, data, &CloudOptions::default());
    let serde = CloudOptions {
        serde_only: true,
        ..CloudOptions::default()
    };
    let slow = read_cloud_bytes(name, data, &serde);
    prop_assert_eq!(&fast.users, &slow.users);
    prop_assert_eq!(
        &fast.summary.diagnostics.kept,
        &slow.summary.diagnostics.kept
    );
    prop_assert_eq!(fast.format, slow.format);
    Ok(())
}

#[test]
fn fast_path_matches_serde_on_every_fixture() {
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "fixtures", "cloud"]
        .iter()
        .collect();
    for entry in std::fs::read_dir(dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let data = std::fs::read(&path).expect("fixture reads");
        fast_equals_serde(&name, &data).expect(&name);
    }
    fast_equals_serde("m.jsonl", &many_lines()).expect("many lines");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Exports with a few bytes replaced by JSON-significant ones: the fast
    /// path either takes a user exactly as serde does or leaves it to serde.
    #[test]
    fn fast_path_matches_serde_on_damaged_exports(
        which in 0usize..6,
        edits in proptest::collection::vec((any::<usize>(), 0usize..24), 1..6),
    ) {
        let f = ["rest-pages-per-line.json", "rest-pages-pretty.json", "mguser-convertto-json.json", "rest-users.jsonl", "wrong-types.jsonl", "rest-array-of-pages.json"][which];
        let mut b = bytes(f);
        const ALPHABET: &[u8] = b"\"{}[],: \n\\/u0e9-.tfnE\x01\xc3\xff";
        for (at, c) in edits {
            if !b.is_empty() {
                let i = at % b.len();
                b[i] = ALPHABET[c % ALPHABET.len()];
            }
        }
        fast_equals_serde(f, &b)?;
    }

    /// Arbitrary bytes never panic, and every diagnostic names a line of the input.
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        let r = read_cloud_bytes("p.json", &data, &CloudOptions::default());
        let max_line = data.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        for d in &r.summary.diagnostics.kept {
            prop_assert!(d.line >= 1 && d.line <= max_line.max(1), "{d}");
        }
    }

    /// Any prefix of a real export (a truncated download) never panics,
    /// keeps only whole users, and the chunk size does not matter.
    #[test]
    fn truncated_exports(cut in 0usize..10_000, which in 0usize..5, chunk in 1usize..200) {
        let f = ["rest-pages-per-line.json", "rest-pages-pretty.json", "mguser-convertto-json.json", "admin-center-variant-b.csv", "wrong-types.jsonl"][which];
        let b = bytes(f);
        let b = &b[..cut.min(b.len())];
        let a = read_cloud_bytes(f, b, &CloudOptions::default());
        let c = read_cloud_bytes(f, b, &CloudOptions { chunk_size: chunk, ..CloudOptions::default() });
        prop_assert_eq!(&a.users, &c.users);
        prop_assert_eq!(&a.summary.diagnostics.kept, &c.summary.diagnostics.kept);
        for u in &a.users {
            prop_assert!(!u.id().is_empty());
        }
    }
}

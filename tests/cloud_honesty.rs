//! Cloud exports that are empty, of the wrong kind, cut short, or that
//! contradict themselves: each ends in a diagnostic that makes the audit
//! incomplete (issue #13), never in a silent all-clear.

use usertype_audit::diag::DiagKind;
use usertype_audit::read::cloud::{read_cloud_bytes, CloudOptions, CloudRead, UserType};

fn opts(serde_only: bool) -> CloudOptions {
    CloudOptions {
        serde_only,
        ..CloudOptions::default()
    }
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

fn message(r: &CloudRead, kind: DiagKind) -> String {
    r.summary
        .diagnostics
        .kept
        .iter()
        .find(|d| d.kind == kind)
        .map(|d| d.message.clone())
        .unwrap_or_else(|| panic!("no {kind} diagnostic in {:?}", diags(r)))
}

// ---- a property given twice in one user object ----

/// The same two users in every JSON shape; user `a` holds `userType` twice,
/// its second spelling on line `dup_line`.
const DUPLICATE_SHAPES: &[(&str, &str, u64)] = &[
    (
        "json-lines",
        "{\"id\":\"a\",\"userType\":\"Member\",\"UserType\":\"Guest\"}\n{\"id\":\"b\",\"userType\":\"Guest\"}\n",
        1,
    ),
    (
        "page-per-line",
        "{\"value\":[{\"id\":\"a\",\"userType\":\"Member\",\"UserType\":\"Guest\"},{\"id\":\"b\",\"userType\":\"Guest\"}]}\n",
        1,
    ),
    (
        "pretty-page",
        "{\n  \"value\": [\n    {\n      \"id\": \"a\",\n      \"userType\": \"Member\",\n      \"UserType\": \"Guest\"\n    },\n    {\n      \"id\": \"b\",\n      \"userType\": \"Guest\"\n    }\n  ]\n}\n",
        6,
    ),
    (
        "user-array",
        "[\n{\"Id\":\"a\",\n\"UserType\":\"Member\",\n\"userType\":\"Guest\"},\n{\"Id\":\"b\",\"UserType\":\"Guest\"}\n]\n",
        4,
    ),
];

#[test]
fn a_property_given_twice_skips_the_user_in_every_shape_and_path() {
    for &(shape, text, dup_line) in DUPLICATE_SHAPES {
        for serde_only in [false, true] {
            let r = read_cloud_bytes("dup.json", text.as_bytes(), &opts(serde_only));
            let what = format!("{shape}, serde_only {serde_only}");
            assert_eq!(ids(&r), ["b"], "{what}");
            assert_eq!(r.users[0].user_type, Some(UserType::Guest), "{what}");
            assert_eq!(r.summary.rejected, 1, "{what}");
            assert!(
                diags(&r).contains(&(dup_line, DiagKind::DuplicateProperty)),
                "{what}: {:?}",
                diags(&r)
            );
            let m = message(&r, DiagKind::DuplicateProperty);
            assert!(m.contains("user `a`"), "{what}: {m}");
            assert!(
                m.contains("`userType`") && m.contains("`UserType`"),
                "{what}: {m}"
            );
            assert!(DiagKind::DuplicateProperty.makes_incomplete());
        }
    }
}

#[test]
fn an_exact_repeat_is_named_once_and_other_keys_may_repeat() {
    let text = b"{\"id\":\"a\",\"mail\":\"x@contoso.com\",\n\"mail\":\"y@contoso.com\"}\n{\"id\":\"b\",\"displayName\":\"B\",\"displayName\":\"B2\"}\n";
    for serde_only in [false, true] {
        let r = read_cloud_bytes("dup.jsonl", text, &opts(serde_only));
        // `displayName` is not read by the audit: its repeat changes nothing.
        assert_eq!(ids(&r), ["b"]);
        assert_eq!(diags(&r)[0], (2, DiagKind::DuplicateProperty));
        let m = message(&r, DiagKind::DuplicateProperty);
        assert!(m.contains("`mail` twice"), "{m}");
    }
}

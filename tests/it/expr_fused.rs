//! Differential property test of the fused fast paths (`fast.rs`): for
//! random records (absent, empty, single, multi-valued, numeric, Boolean,
//! non-ASCII, upper-case and invalid UTF-8 values; DNs with escapes and
//! CNF marks), evaluating with the fast paths gives exactly what evaluating
//! every sub-expression as written gives, errors included.

use proptest::prelude::*;

use usertype_audit::classify::expr::{compile, CompileOptions};
use usertype_audit::read::{OwnedAttr, OwnedEntry, Value, ValueKind};

const CLOUD_FILTERED: &str = r#"IIF(IsPresent([isCriticalSystemObject]) || IsPresent([sAMAccountName]) = False || [sAMAccountName] = "SUPPORT_388945a0" || Left([mailNickname], 14) = "SystemMailbox{" || Left([sAMAccountName], 4) = "AAD_" || (Left([mailNickname], 4) = "CAS_" && (InStr([mailNickname], "}") > 0)) || (Left([sAMAccountName], 4) = "CAS_" && (InStr([sAMAccountName], "}") > 0)) || Left([sAMAccountName], 5) = "MSOL_" || CBool(IIF(IsPresent([msExchRecipientTypeDetails]),BitAnd([msExchRecipientTypeDetails],&H21C07000) > 0,NULL)) || CBool(InStr(DNComponent(CRef([dn]),1),"\\0ACNF:")>0), True, NULL)"#;

const SAMPLE: &str = r#"IIF(IsPresent([userPrincipalName]),IIF(CBool(InStr(LCase([userPrincipalName]),"@partners.fabrikam123.org")=0),"Member","Guest"),Error("UserPrincipalName is not present to determine UserType"))"#;

/// Each fused shape on its own, and near misses that must not be fused wrongly.
const SHAPES: &[&str] = &[
    "IsPresent([sAMAccountName])",
    "IsPresent([sAMAccountName]) = False",
    "IsPresent([mailNickname]) = True",
    "IsPresent([msExchRecipientTypeDetails])",
    "IsPresent([isCriticalSystemObject]) = False",
    "IsPresent([proxyAddresses])",
    r#"[sAMAccountName] = "AAD_x""#,
    r#"[msExchRecipientTypeDetails] = "1""#,
    r#"[isCriticalSystemObject] = "TRUE""#,
    r#"Left([sAMAccountName], 4) = "AAD_""#,
    r#"Left([mailNickname], 2) = "é}""#,
    r#"Left([msExchRecipientTypeDetails], 1) = "1""#,
    r#"Left([sAMAccountName], 3) = "AAD_""#,
    r#"InStr([mailNickname], "}") > 0"#,
    r#"InStr([mailNickname], "}") = 0"#,
    r#"InStr([msExchRecipientTypeDetails], "1") > 0"#,
    r#"InStr([isCriticalSystemObject], "T") = 0"#,
    r#"CBool(InStr(LCase([userPrincipalName]), "@partners") = 0)"#,
    r#"InStr(LCase([userPrincipalName]), "Partners") > 0"#,
    r#"InStr(LCase([userPrincipalName]), "é") > 0"#,
    r#"InStr(DNComponent(CRef([dn]), 1), "\\0ACNF:") > 0"#,
    r#"InStr(DNComponent(CRef([dn]), 2), "o") = 0"#,
    r#"InStr(DNComponent(CRef([dn]), 0), "o") = 0"#,
    r#"CBool(IIF(IsPresent([msExchRecipientTypeDetails]),BitAnd([msExchRecipientTypeDetails],&H21C07000) > 0,NULL))"#,
    r#"CBool(IIF(IsPresent([sAMAccountName]),BitAnd([sAMAccountName],3) > 0,NULL))"#,
    r#"IsPresent([sAMAccountName]) || Left([mailNickname], 4) = "CAS_" && InStr([mailNickname], "}") > 0"#,
    r#"CBool(IsPresent([mailNickname]) && [sAMAccountName] = "AAD_x") || IsPresent([proxyAddresses])"#,
    r#"IsPresent([proxyAddresses]) || IsPresent([sAMAccountName]) = False && InStr([userPrincipalName], "@") = 0"#,
    r#"[msExchRecipientTypeDetails] = "1" || CBool(IIF(IsPresent([msExchRecipientTypeDetails]),BitAnd([msExchRecipientTypeDetails],1) > 0,NULL)) && IsPresent([userPrincipalName])"#,
];

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        Just(b"AAD_x".to_vec()),
        Just(b"SUPPORT_388945a0".to_vec()),
        Just(b"SystemMailbox{1234}".to_vec()),
        Just(b"CAS_{x}".to_vec()),
        Just(b"MSOL_1".to_vec()),
        Just(b"TRUE".to_vec()),
        Just(b"false".to_vec()),
        Just(b"  42 ".to_vec()),
        Just(b"1073741824".to_vec()),
        Just(b"-7".to_vec()),
        Just(b"x@Partners.Fabrikam123.org.evil".to_vec()),
        Just(b"bob@partners.fabrikam123.org".to_vec()),
        Just("é}x@PARTNERS.é".as_bytes().to_vec()),
        Just(b"\xff\xfe}".to_vec()),
        "[a-zA-Z0-9_{}@.é ]{0,12}".prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 0..8),
    ]
}

fn dn() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(br"CN=bob\0ACNF:1234,OU=Users,DC=contoso,DC=com".to_vec()),
        Just(b"CN=bob,OU=Users,DC=contoso,DC=com".to_vec()),
        Just(br"CN=a\,b,OU=x".to_vec()),
        Just(b"".to_vec()),
        Just(b"  ".to_vec()),
        Just(b"CN=\xff,OU=x".to_vec()),
        "[a-zA-Z=,\\\\0: ]{0,24}".prop_map(String::into_bytes),
    ]
}

const NAMES: &[&str] = &[
    "isCriticalSystemObject",
    "sAMAccountName",
    "mailNickname",
    "msExchRecipientTypeDetails",
    "userPrincipalName",
    "proxyAddresses",
];

fn record() -> impl Strategy<Value = OwnedEntry> {
    let attrs = proptest::collection::vec(
        (
            0..NAMES.len(),
            proptest::collection::vec(value(), 0..3),
            any::<bool>(),
        ),
        0..8,
    );
    (dn(), attrs).prop_map(|(dn, attrs)| OwnedEntry {
        dn,
        line: 1,
        byte: 0,
        attrs: attrs
            .into_iter()
            .map(|(i, values, lower)| OwnedAttr {
                name: if lower {
                    NAMES[i].to_ascii_lowercase()
                } else {
                    NAMES[i].to_string()
                },
                values: values
                    .into_iter()
                    .map(|bytes| Value {
                        bytes,
                        kind: ValueKind::Plain,
                    })
                    .collect(),
            })
            .collect(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn fused_evaluation_matches_the_expression_as_written(rec in record()) {
        for src in [CLOUD_FILTERED, SAMPLE].iter().chain(SHAPES) {
            let program = compile(src, &CompileOptions::default()).expect(src).program;
            let fast = program.eval_counted(&rec, true);
            let reference = program.eval_counted(&rec, false);
            // Same value or error, same steps and list work (so limits trip alike).
            prop_assert_eq!(fast, reference, "{}", src);
            prop_assert_eq!(program.eval_owned(&rec), program.eval_counted(&rec, false).0);
        }
    }
}

//! Simulation tests: precedence, the special values, flow types, object
//! types, scope operators and OU filtering, on small configurations.

use super::*;
use crate::classify::expr::Scratch;
use crate::classify::{Classifier, Intent, UserType};
use crate::read::account::Account;
use crate::read::ldif::{parse_chunk, LdifOptions};

/// An inbound rule from AD (`user` unless `ty` says otherwise).
fn inbound(name: &str, prec: i64, extra: &str, flows: &[(&str, &str)]) -> String {
    let mut s = format!(
        "New-ADSyncRule -Name '{name}' -Direction 'Inbound' -Precedence {prec} -SourceObjectType 'user' \
         -TargetObjectType 'person' -Connector 'ad' -LinkType 'Join' {extra} -OutVariable syncRule\n"
    );
    for (ty, rest) in flows {
        s += &format!(
            "Add-ADSyncAttributeFlowMapping -SynchronizationRule $syncRule[0] -Destination \
             'userType' -FlowType '{ty}' {rest} -OutVariable syncRule\n"
        );
    }
    s + "Add-ADSyncRule -SynchronizationRule $syncRule[0]\n"
}

const PROVISION: &str = "New-ADSyncRule -Name 'In from AD - Join' -Direction 'Inbound' -Precedence 100 \
    -SourceObjectType 'user' -TargetObjectType 'person' -Connector 'ad' -LinkType 'Provision' -OutVariable r\n\
    Add-ADSyncRule -SynchronizationRule $r[0]\n\
    New-ADSyncRule -Name 'In from AD - inetOrgPerson Join' -Direction 'Inbound' -Precedence 101 \
    -SourceObjectType 'inetOrgPerson' -TargetObjectType 'person' -Connector 'ad' -LinkType 'Provision' -OutVariable r\n\
    Add-ADSyncRule -SynchronizationRule $r[0]\n";

const OUTBOUND: &str = "New-ADSyncRule -Name 'Out to AAD - UserType' -Direction 'Outbound' -Precedence 99 \
    -SourceObjectType 'person' -TargetObjectType 'user' -Connector 'aad' -LinkType 'Join' -OutVariable r\n\
    Add-ADSyncAttributeFlowMapping -SynchronizationRule $r[0] -Source @('userType') -Destination 'userType' -FlowType 'Direct'\n\
    Add-ADSyncRule -SynchronizationRule $r[0]\n";

fn classifier(rules: &str, policy: Option<&str>) -> Classifier {
    let text = format!("{PROVISION}{OUTBOUND}{rules}");
    let policies: Vec<(String, String)> = policy
        .map(|p| vec![("p.json".to_string(), p.to_string())])
        .unwrap_or_default();
    let cfg = read_texts(&[("x.ps1".into(), text)], &policies);
    assert!(!cfg.has_errors(), "{:?}", cfg.diagnostics);
    Classifier::from_connect(Simulation::new(&cfg)).expect("classifier")
}

/// (outcome, value-ish, rule name) for one LDIF account.
fn outcome(c: &Classifier, ldif: &str) -> (Intent, String) {
    let text = format!("dn: CN=a,OU=Staff,DC=x\nobjectClass: user\n{ldif}\n");
    let batch = parse_chunk(text.as_bytes(), true, &LdifOptions::default());
    let entry = batch.entries().next().expect("entry");
    let account = Account::from_entry(entry).expect("account");
    let got = c.classify(&account, true, &mut Scratch::new());
    let (sim, base) = c.connect().expect("connect");
    let (again, log) = sim.explain(&entry, base);
    assert_eq!(again, got, "explain agrees: {log:?}");
    (got.intent.clone(), c.rule_name(&got).to_string())
}

fn guest() -> Intent {
    Intent::UserType(UserType::Guest)
}

#[test]
fn null_and_ignore_this_flow_let_a_lower_rule_contribute() {
    let c = classifier(
        &[
            inbound("null", 10, "", &[("Expression", "-Expression 'NULL'")]),
            inbound(
                "ignore",
                11,
                "",
                &[("Expression", "-Expression 'IgnoreThisFlow'")],
            ),
            inbound(
                "absent",
                12,
                "",
                &[("Direct", "-Source @('extensionAttribute9')")],
            ),
            inbound("value", 13, "", &[("Constant", "-Source @('Guest')")]),
            inbound("lower", 14, "", &[("Constant", "-Source @('Member')")]),
        ]
        .concat(),
        None,
    );
    assert_eq!(outcome(&c, ""), (guest(), "value (precedence 13)".into()));
    // A Direct flow from a present attribute wins at 12.
    let (i, r) = outcome(&c, "extensionAttribute9: Member");
    assert_eq!(
        (i, r.as_str()),
        (Intent::UserType(UserType::Member), "absent (precedence 12)")
    );
    // Raw values pass as they are.
    assert_eq!(
        outcome(&c, "extensionAttribute9: guest").0,
        Intent::Invalid("guest".into())
    );
}

#[test]
fn authoritative_null_and_error_stop_lower_rules() {
    let c = classifier(
        &[
            inbound(
                "stop",
                10,
                "",
                &[("Expression", "-Expression 'IIF([info]=\"stop\",AuthoritativeNull,IIF([info]=\"fail\",Error(\"no\"),NULL))'")],
            ),
            inbound("value", 20, "", &[("Constant", "-Source @('Guest')")]),
        ]
        .concat(),
        None,
    );
    let (i, r) = outcome(&c, "info: stop");
    assert!(matches!(i, Intent::NoValue(w) if w.contains("AuthoritativeNull")));
    assert_eq!(r, "stop (precedence 10)");
    let (i, r) = outcome(&c, "info: fail");
    assert_eq!(
        (i, r.as_str()),
        (Intent::Error("no".into()), "stop (precedence 10)")
    );
    assert_eq!(outcome(&c, "info: x").0, guest());
}

#[test]
fn disabled_rules_scopes_and_object_types() {
    let c = classifier(
        &[
            inbound("disabled", 5, "-Disabled", &[("Constant", "-Source @('Member')")]),
            inbound("inet only", 6, "", &[("Constant", "-Source @('Member')")])
                .replace("-SourceObjectType 'user'", "-SourceObjectType 'inetOrgPerson'"),
            inbound("scoped", 7, "", &[("Constant", "-Source @('Member')")]).replace(
                "Add-ADSyncRule",
                "$c = New-Object -TypeName 'ScopeCondition' -ArgumentList 'userAccountControl','2','ISBITNOTSET'\n\
                 $d = New-Object -TypeName 'ScopeCondition' -ArgumentList 'company','Fabrikam','EQUAL'\n\
                 Add-ADSyncScopeConditionGroup -SynchronizationRule $syncRule[0] -ScopeConditions @($c)\n\
                 Add-ADSyncScopeConditionGroup -SynchronizationRule $syncRule[0] -ScopeConditions @($d)\n\
                 Add-ADSyncRule",
            ),
            inbound("else", 8, "", &[("Constant", "-Source @('Guest')")]),
        ]
        .concat(),
        None,
    );
    // Disabled (5) is ignored; inetOrgPerson-only (6) does not apply to a
    // user; the scope (7) holds for an enabled account (first group) ...
    assert_eq!(
        outcome(&c, "userAccountControl: 512").1,
        "scoped (precedence 7)"
    );
    // ... or for Fabrikam (second group: OR between groups) ...
    assert_eq!(
        outcome(&c, "userAccountControl: 514\ncompany: fabrikam").1,
        "scoped (precedence 7)"
    );
    // ... and not for a disabled non-Fabrikam account.
    assert_eq!(
        outcome(&c, "userAccountControl: 514").1,
        "else (precedence 8)"
    );
    // An inetOrgPerson object gets the inetOrgPerson rules only.
    assert_eq!(
        outcome(&c, "objectClass: inetOrgPerson\nuserAccountControl: 514").1,
        "inet only (precedence 6)"
    );
}

#[test]
fn cloud_filtered_from_a_custom_rule_names_it() {
    let rule = "New-ADSyncRule -Name 'Block' -Direction 'Inbound' -Precedence 50 -SourceObjectType 'user' \
        -TargetObjectType 'person' -Connector 'ad' -LinkType 'Join' -OutVariable r\n\
        Add-ADSyncAttributeFlowMapping -SynchronizationRule $r[0] -Destination 'cloudFiltered' -FlowType 'Expression' \
        -Expression 'IIF([msDS-cloudExtensionAttribute10]=\"BlockCloudSignIn\",True,NULL)'\n\
        Add-ADSyncRule -SynchronizationRule $r[0]\n";
    let c = classifier(
        &format!(
            "{rule}{}",
            inbound("v", 60, "", &[("Constant", "-Source @('Guest')")])
        ),
        None,
    );
    assert_eq!(
        outcome(&c, "msDS-cloudExtensionAttribute10: BlockCloudSignIn"),
        (Intent::OutOfScope, "Block (precedence 50)".into())
    );
    assert_eq!(outcome(&c, "").0, guest());
}

#[test]
fn without_a_provision_rule_nothing_is_projected() {
    let text = format!(
        "{OUTBOUND}{}",
        inbound("v", 60, "", &[("Constant", "-Source @('Guest')")])
    );
    let cfg = read_texts(&[("x.ps1".into(), text)], &[]);
    let c = Classifier::from_connect(Simulation::new(&cfg)).expect("classifier");
    let (i, r) = outcome(&c, "");
    assert_eq!(i, Intent::OutOfScope);
    assert!(r.contains("no Provision rule"), "{r}");
}

#[test]
fn outbound_expressions_and_scopes_read_metaverse_values() {
    let outbound = "New-ADSyncRule -Name 'Out to AAD - mapped' -Direction 'Outbound' -Precedence 98 \
        -SourceObjectType 'person' -TargetObjectType 'user' -Connector 'aad' -LinkType 'Join' -OutVariable r\n\
        New-Object -TypeName 'ScopeCondition' -ArgumentList 'userType','Ext','STARTSWITH' -OutVariable c\n\
        Add-ADSyncScopeConditionGroup -SynchronizationRule $r[0] -ScopeConditions @($c[0])\n\
        Add-ADSyncAttributeFlowMapping -SynchronizationRule $r[0] -Destination 'userType' -FlowType 'Expression' \
        -Expression 'IIF([userType]=\"External\",\"Guest\",\"Member\")'\n\
        Add-ADSyncRule -SynchronizationRule $r[0]\n";
    let c = classifier(
        &format!(
            "{outbound}{}",
            inbound(
                "raw",
                10,
                "",
                &[("Direct", "-Source @('extensionAttribute15')")]
            )
        ),
        None,
    );
    // The mapped rule (98) is in scope for "External" and translates it.
    assert_eq!(
        outcome(&c, "extensionAttribute15: External"),
        (guest(), "Out to AAD - mapped (precedence 98)".into())
    );
    // Out of its scope, the Direct rule (99) exports the raw value.
    assert_eq!(
        outcome(&c, "extensionAttribute15: Member"),
        (
            Intent::UserType(UserType::Member),
            "raw (precedence 10)".into()
        )
    );
    // Nothing flowed in: the Direct outbound rule exports NULL.
    let (i, r) = outcome(&c, "");
    assert!(
        matches!(i, Intent::NoValue(w) if w.contains("no inbound rule")),
        "{i:?}"
    );
    assert!(r.contains("no inbound rule contributed"), "{r}");
}

#[test]
fn ou_filtering_from_the_policy_file() {
    let policy = r#"{"onpremisesDirectoryPolicy":[{"partitionFilters":[{"distinguishedName":"DC=x","containerInclusions":["OU=Staff,DC=x"],"containerExclusions":[]}]}]}"#;
    let c = classifier(
        &inbound("v", 60, "", &[("Constant", "-Source @('Guest')")]),
        Some(policy),
    );
    assert_eq!(outcome(&c, "").0, guest());
    let text = "dn: CN=b,OU=Other,DC=x\nobjectClass: user\n\n";
    let batch = parse_chunk(text.as_bytes(), true, &LdifOptions::default());
    let entry = batch.entries().next().expect("entry");
    let account = Account::from_entry(entry).expect("account");
    let got = c.classify(&account, true, &mut Scratch::new());
    assert_eq!(got.intent, Intent::OutOfScope);
    assert_eq!(c.rule_name(&got), "connect: OU filtering (p.json)");
}

#[test]
fn metaverse_scope_operators_follow_the_connector_space_ones() {
    use crate::classify::scope::ScopeOp;
    let op = |s: &str| ScopeOp::parse(s).expect("operator");
    let cases: &[(&str, Option<&str>, &str, bool)] = &[
        ("EQUAL", Some("User"), "user", true),
        ("NOTEQUAL", None, "True", true),
        ("NOTEQUAL", Some("True"), "True", false),
        ("ISNULL", None, "", true),
        ("ISNOTNULL", Some(""), "", false),
        ("ISBITSET", Some("514"), "2", true),
        ("ISNOTBITSET", Some("514"), "2", false),
        ("ISBITNOTSET", Some("512"), "2", true),
        ("ISBITNOTSET", None, "2", true),
        ("ISIN", Some("b"), "a;B;c", true),
        ("ISNOTIN", Some("d"), "a;b", true),
        ("STARTSWITH", Some("User_1"), "user_", true),
        ("NOTSTARTSWITH", None, "User_", true),
        ("ENDSWITH", Some("a@x.org"), "@X.org", true),
        ("CONTAINS", Some("abc"), "B", true),
        ("NOTCONTAINS", Some("abc"), "d", true),
        ("LESSTHAN", Some("a"), "b", true),
        ("GREATERTHAN_OR_EQUAL", Some("b"), "b", true),
        ("LESSTHAN", None, "b", false),
    ];
    for &(name, value, want, expected) in cases {
        assert_eq!(
            flow::mv_holds(op(name), value, want),
            expected,
            "{value:?} {name} {want}"
        );
    }
}

//! The rule-file loader on arbitrary text: TOML in, rules or errors out,
//! never a panic. Every problem renders with a line and column inside the
//! file; a file that loads builds a classifier whose accessors work and
//! which classifies a few accounts (the conditions and expressions of a
//! fuzz-built rule file run on them) without panicking.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use usertype_audit::classify::config;
use usertype_audit::classify::{Classifier, EvalScratch};
use usertype_audit::read::account::Account;
use usertype_audit::read::ldif::{parse_chunk, LdifOptions};
use usertype_audit::read::Batch;

/// A few accounts: a partner, an employee, a disabled one, one with long and odd values.
fn accounts() -> &'static Batch {
    static BATCH: OnceLock<Batch> = OnceLock::new();
    BATCH.get_or_init(|| {
        let long = "x".repeat(70_000);
        let text = format!(
            "dn: CN=Pat,OU=Partners,DC=contoso,DC=com\nobjectClass: user\nsAMAccountName: pat\n\
             userPrincipalName: pat@partners.contoso.com\nextensionAttribute1: Guest\n\
             company: Fabrikam\nuserAccountControl: 512\nmemberOf: CN=Partners,DC=contoso,DC=com\n\n\
             dn: CN=Emp,OU=Staff,DC=contoso,DC=com\nobjectClass: user\nsAMAccountName: emp\n\
             userPrincipalName: emp@contoso.com\nextensionAttribute1: Member\nuserAccountControl: 514\n\n\
             dn: CN=Odd\\, One,OU=Staff,DC=contoso,DC=com\nobjectClass: user\nsAMAccountName: odd\n\
             info: {long}\ndescription: a\ndescription: b\nuserAccountControl: -2147483646\n\n"
        );
        parse_chunk(text.as_bytes(), true, &LdifOptions::default())
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loaded = config::load(text);
    let lines = text.lines().count().max(1) + 1;
    for p in &loaded.problems {
        assert!(
            p.line >= 1 && p.line <= lines,
            "line {} of {lines}: {p}",
            p.line
        );
        assert!(p.column >= 1, "{p}");
        assert!(!p.to_string().is_empty());
        assert!(!p.code.is_empty());
    }
    let Some(rules) = loaded.rules else {
        assert!(
            loaded.problems.iter().any(|p| p.is_error),
            "no rules and no error"
        );
        return;
    };
    assert!(loaded.problems.iter().all(|p| !p.is_error));
    assert_eq!(rules.warnings, loaded.problems);
    let Ok(classifier) = Classifier::new(rules) else {
        return;
    };
    let _ = classifier.attributes();
    for a in classifier.attributes_read() {
        assert!(!a.name.is_empty());
    }
    let mut scratch = EvalScratch::new();
    for entry in accounts().entries() {
        let Ok(account) = Account::from_entry(entry) else {
            continue;
        };
        let c = classifier.classify(&account, true, &mut scratch);
        assert!(usize::from(c.rule) < classifier.rule_names().len());
        let _ = classifier.rule_name(&c);
        let _ = classifier.scope_steps(&account, true, &mut scratch);
    }
    let unmatched = classifier.unmatched_ous();
    let configured =
        classifier.rules().scope.include_ous.len() + classifier.rules().scope.exclude_ous.len();
    assert!(unmatched.len() <= configured);
});

//! The Entra Connect configuration reader on arbitrary text: a sync-rule
//! export in, rules or diagnostics out, never a panic. Every diagnostic
//! names a line inside the file; rules that are read compile into a
//! simulation that classifies a few accounts without panicking.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use usertype_audit::classify::connect::{self, Simulation};
use usertype_audit::classify::{Classifier, EvalScratch};
use usertype_audit::read::account::Account;
use usertype_audit::read::ldif::{parse_chunk, LdifOptions};
use usertype_audit::read::Batch;

fn accounts() -> &'static Batch {
    static BATCH: OnceLock<Batch> = OnceLock::new();
    BATCH.get_or_init(|| {
        let text = "dn: CN=Pat,OU=Partners,DC=contoso,DC=com\nobjectClass: user\n\
                    sAMAccountName: pat\nuserPrincipalName: pat@partners.fabrikam123.org\n\
                    objectGUID:: AAECAwQFBgcICQoLDA0ODw==\nuserAccountControl: 512\n\n\
                    dn: CN=Inet,OU=Staff,DC=contoso,DC=com\nobjectClass: user\n\
                    objectClass: inetOrgPerson\nsAMAccountName: inet\nadminDescription: User_1\n\
                    extensionAttribute1: Guest\nuserAccountControl: 514\n\n";
        parse_chunk(text.as_bytes(), true, &LdifOptions::default())
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let cfg = connect::read_texts(&[("f.ps1".to_string(), text.to_string())], &[]);
    let lines = text.lines().count().max(1) + 1;
    for d in &cfg.diagnostics {
        assert!(d.at.line <= lines, "line {} of {lines}: {d}", d.at.line);
        assert!(!d.to_string().is_empty());
    }
    let _ = connect::check::check(&cfg.rules);
    let sim = Simulation::new(&cfg);
    let Ok(classifier) = Classifier::from_connect(sim) else {
        return;
    };
    let mut scratch = EvalScratch::new();
    for entry in accounts().entries() {
        let Ok(account) = Account::from_entry(entry) else {
            continue;
        };
        let c = classifier.classify(&account, true, &mut scratch);
        assert!(usize::from(c.rule) < classifier.rule_names().len());
        if let Some((sim, base)) = classifier.connect() {
            let (again, _) = sim.explain(&entry, base);
            assert_eq!(again, c, "explain and classify agree");
        }
    }
});

//! One generated forest read from its three on-premises exports (ldifde LDIF,
//! csvde CSV, Export-Csv CSV) yields the same accounts with the same
//! identifiers, except where Export-Csv really loses information.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use usertype_audit::generate::{generate, GenerateOptions};
use usertype_audit::model::ids::AnchorSource;
use usertype_audit::read::account::{Account, NotAccount};
use usertype_audit::read::input::Input;
use usertype_audit::read::onprem_csv::{self, CsvOptions};
use usertype_audit::read::{ldif, Batch, BatchSink, ReadControl};

/// What the audit needs of an account, as text for easy comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    upn: Option<String>,
    sam: Option<String>,
    immutable_id: Option<String>,
    sid: Option<String>,
    enabled: Option<bool>,
    extension_attribute1: Option<String>,
    employee_type: Option<String>,
    primary_smtp: Option<String>,
    member_of: usize,
    critical: bool,
}

#[derive(Default)]
struct Accounts {
    by_dn: BTreeMap<String, Seen>,
    skipped: BTreeMap<String, u64>,
}

impl BatchSink for Accounts {
    type Output = Vec<Result<(String, Seen), NotAccount>>;

    fn map(&self, batch: &Batch) -> Self::Output {
        batch
            .entries()
            .map(|e| {
                let a = Account::from_entry(e)?;
                let own = |s: Option<&str>| s.map(str::to_string);
                Ok((
                    String::from_utf8_lossy(a.dn()).into_owned(),
                    Seen {
                        upn: own(a.upn),
                        sam: own(a.sam_account_name),
                        immutable_id: a
                            .source_anchor(&AnchorSource::default())
                            .map(|x| x.immutable_id()),
                        sid: a.sid_string(),
                        enabled: a.enabled,
                        extension_attribute1: own(a.extension_attribute(1)),
                        employee_type: own(a.employee_type),
                        primary_smtp: own(a.primary_smtp),
                        member_of: a.member_of().count(),
                        critical: a.is_critical_system_object,
                    },
                ))
            })
            .collect()
    }

    fn consume(&mut self, _: &Batch, out: Self::Output) -> io::Result<()> {
        for r in out {
            match r {
                Ok((dn, seen)) => {
                    assert!(
                        self.by_dn.insert(dn.clone(), seen).is_none(),
                        "duplicate {dn}"
                    );
                }
                Err(why) => *self.skipped.entry(why.to_string()).or_default() += 1,
            }
        }
        Ok(())
    }
}

fn read(path: &Path) -> Accounts {
    let mut sink = Accounts::default();
    let input = Input::open(path.to_str().unwrap()).unwrap();
    let control = ReadControl::default();
    let summary = match path.extension().and_then(|e| e.to_str()) {
        Some("ldf") => ldif::read(input, &ldif::LdifOptions::default(), &control, &mut sink),
        _ => onprem_csv::read(input, None, &CsvOptions::default(), &control, &mut sink),
    }
    .unwrap();
    let errors: Vec<_> = summary
        .diagnostics
        .kept
        .iter()
        .filter(|d| d.severity == usertype_audit::diag::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    sink
}

#[test]
fn ldif_csvde_and_export_csv_agree() {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenerateOptions {
        users: 600,
        seed: 21,
        ..GenerateOptions::default()
    };
    generate(&opts, dir.path()).unwrap();
    let ldif = read(&dir.path().join("onprem.ldf"));
    let csvde = read(&dir.path().join("onprem.csv"));
    let ps = read(&dir.path().join("onprem-ps.csv"));

    // 600 users plus 12 groups and computers: the computers are refused
    // (they carry objectClass user too), the groups as another class.
    assert_eq!(ldif.by_dn.len(), 600);
    assert_eq!(ldif.skipped.values().sum::<u64>(), 12);
    assert!(
        ldif.skipped.contains_key("computer object"),
        "{:?}",
        ldif.skipped
    );

    // csvde carries everything ldifde does.
    assert_eq!(csvde.by_dn, ldif.by_dn);
    assert_eq!(csvde.skipped, ldif.skipped);

    // Export-Csv (Get-ADUser) has users only, and loses what it prints as
    // .NET type names: proxyAddresses and memberOf (ADPropertyValueCollection)
    // and mS-DS-ConsistencyGuid (System.Byte[]). The anchor still agrees
    // because the generator, like Connect's write-back, sets
    // mS-DS-ConsistencyGuid equal to objectGUID, which Export-Csv keeps;
    // except on the accounts planted with another account's anchor, where
    // Export-Csv leaves only the objectGUID.
    assert!(ps.skipped.is_empty());
    let copies: BTreeMap<String, String> = (0..opts.users)
        .map(|i| usertype_audit::generate::account(&opts, i))
        .filter(|a| a.duplicate_anchor_of.is_some())
        .map(|a| {
            use base64::Engine as _;
            let id = base64::engine::general_purpose::STANDARD.encode(a.object_guid);
            (a.dn, id)
        })
        .collect();
    let users: BTreeMap<_, _> = ldif
        .by_dn
        .iter()
        .map(|(dn, s)| {
            let mut lost = s.clone();
            lost.primary_smtp = None;
            lost.member_of = 0;
            if let Some(id) = copies.get(dn) {
                lost.immutable_id = Some(id.clone());
            }
            (dn.clone(), lost)
        })
        .collect();
    assert_eq!(ps.by_dn, users);
}

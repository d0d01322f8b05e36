//! The three generated cloud files of one forest yield the same users.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use usertype_audit::diag::Severity;
use usertype_audit::generate::cloud::{cloud_only_count, cloud_users, planted, ADMIN_CSV_HEADER};
use usertype_audit::generate::{
    account, cloud_only_user, cloud_user, generate, GenerateOptions, Planted, GRAPH_ARRAY_FILE,
    GRAPH_CSV_FILE, GRAPH_PAGES_FILE,
};
use usertype_audit::read::cloud::{
    read_cloud, CloudFormat, CloudOptions, CloudRead, CloudUser, Property, Source, UserType,
};

/// The Graph properties the admin-center CSV cannot carry.
const CSV_CANNOT_CARRY: &[Property] = &[
    Property::OnPremisesImmutableId,
    Property::OnPremisesSecurityIdentifier,
    Property::OnPremisesDistinguishedName,
    Property::OnPremisesSamAccountName,
    Property::OnPremisesUserPrincipalName,
    Property::OnPremisesDomainName,
    Property::OnPremisesLastSyncDateTime,
    Property::OnPremisesExtensionAttributes,
    Property::ProxyAddresses,
    Property::Identities,
];

fn opts() -> GenerateOptions {
    GenerateOptions {
        users: 3000,
        seed: 1,
        ..GenerateOptions::default()
    }
}

fn read(dir: &Path, name: &str) -> CloudRead {
    let path = dir.join(name);
    let r = read_cloud(path.to_str().unwrap(), &CloudOptions::default()).unwrap();
    let errors: Vec<String> = r
        .summary
        .diagnostics
        .kept
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.to_string())
        .collect();
    assert_eq!(
        r.summary.diagnostics.count(Severity::Error),
        0,
        "{name}: {errors:?}"
    );
    assert_eq!(r.summary.rejected, 0, "{name}");
    r
}

fn without_source(u: &CloudUser) -> CloudUser {
    let mut u = u.clone();
    u.source = Source::default();
    u
}

/// The cloud UPN of a synced account: its UPN, or sAMAccountName@domain
/// without one (Connect's out-of-box rule).
fn cloud_upn(a: &usertype_audit::generate::SyntheticAccount) -> String {
    if a.upn.is_empty() {
        format!("{}@contoso.com", a.sam)
    } else {
        a.upn.clone()
    }
}

#[test]
fn three_cloud_files_yield_the_same_users() {
    let opts = opts();
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(&opts, dir.path()).unwrap();
    let names: Vec<String> = summary
        .files
        .iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        &names[3..6],
        &[GRAPH_PAGES_FILE, GRAPH_ARRAY_FILE, GRAPH_CSV_FILE]
    );

    let pages = read(dir.path(), GRAPH_PAGES_FILE);
    let array = read(dir.path(), GRAPH_ARRAY_FILE);
    let csv = read(dir.path(), GRAPH_CSV_FILE);
    assert_eq!(pages.format, CloudFormat::GraphPagesPerLine);
    assert_eq!(array.format, CloudFormat::UserArray);
    assert_eq!(csv.format, CloudFormat::AdminCenterCsv);
    assert!(fs::read_to_string(dir.path().join(GRAPH_CSV_FILE))
        .unwrap()
        .starts_with(&format!("{ADMIN_CSV_HEADER}\r\n")));

    // The plan's count.
    let planned = (0..opts.users)
        .filter(|&i| cloud_user(&opts, i).is_some())
        .count() as u64
        + cloud_only_count(opts.users);
    assert_eq!(pages.users.len() as u64, planned);
    assert_eq!(array.users.len() as u64, planned);
    assert_eq!(csv.users.len() as u64, planned);
    assert_eq!(pages.summary.pages, planned.div_ceil(999));

    // Pages and array: exactly the same users but for line numbers.
    for (p, a) in pages.users.iter().zip(&array.users) {
        assert_eq!(without_source(p), without_source(a));
    }

    // The CSV: the same users, without the fields it cannot carry.
    for (p, c) in pages.users.iter().zip(&csv.users) {
        assert_eq!(c.id(), p.id());
        assert_eq!(c.user_principal_name(), p.user_principal_name());
        assert_eq!(c.user_type, p.user_type);
        assert_eq!(c.account_enabled, p.account_enabled);
        assert_eq!(c.mail(), p.mail());
        assert!(c.other_mails().eq(p.other_mails()));
        assert_eq!(c.creation_type(), p.creation_type());
        assert_eq!(c.external_user_state(), p.external_user_state());
        assert_eq!(c.on_premises_sync_enabled, p.on_premises_sync_enabled);
        // Locale dates carry no zone: `2021-08-19T13:25:31` for `...31Z`.
        assert_eq!(
            c.created_date_time(),
            p.created_date_time().map(|d| d.trim_end_matches('Z'))
        );
        for &prop in CSV_CANNOT_CARRY {
            assert!(!c.valued.contains(prop), "{prop} in the CSV");
            // Variant B has an `identityIssuer` column (left empty), which
            // the reader counts as the `identities` column.
            if prop != Property::Identities {
                assert!(!c.present.contains(prop), "{prop} column in the CSV");
            }
        }
        assert!(c.proxy_addresses().is_empty());
        assert!(c.identities().is_empty());
        assert!(c.on_premises_immutable_id().is_none());
        assert!(c.on_premises_security_identifier().is_none());
        assert!(c.on_premises_distinguished_name().is_none());
        assert!(c.on_premises_sam_account_name().is_none());
        assert!(c.on_premises_user_principal_name().is_none());
        assert!(c.on_premises_domain_name().is_none());
        assert!(c.on_premises_last_sync_date_time().is_none());
        assert!(c.on_premises_extension_attributes().is_empty());
    }

    // The files are the plan, in plan order.
    let plan: Vec<_> = cloud_users(&opts).collect();
    assert_eq!(plan.len() as u64, planned);
    for (u, p) in plan.iter().zip(&pages.users) {
        assert_eq!(p.id(), u.id);
        assert_eq!(
            p.user_type.as_ref().map(UserType::as_str),
            Some(u.user_type)
        );
        assert_eq!(
            p.on_premises_immutable_id(),
            u.on_premises_immutable_id.as_deref()
        );
        assert_eq!(
            p.on_premises_extension_attributes().get(1),
            u.extension_attribute1.as_deref()
        );
    }
    let ids: BTreeSet<&str> = pages.users.iter().map(|u| u.id()).collect();
    assert_eq!(ids.len(), pages.users.len(), "ids are unique");

    // Every planted kind occurs.
    let mut kinds: BTreeSet<Planted> = plan.iter().filter_map(|u| u.planted).collect();
    kinds.extend((0..opts.users).filter_map(|i| planted(&opts, i)));
    for k in Planted::ALL {
        let n = plan.iter().filter(|u| u.planted == Some(*k)).count()
            + (0..opts.users)
                .filter(|&i| *k == Planted::MissingInCloud && planted(&opts, i) == Some(*k))
                .count();
        eprintln!("{k:?}: {n}");
        assert!(kinds.contains(k), "{k:?} never planted");
    }
    let missing = (0..opts.users)
        .filter(|&i| planted(&opts, i) == Some(Planted::MissingInCloud))
        .inspect(|&i| assert!(cloud_user(&opts, i).is_none()))
        .count();
    assert!(missing > 0);

    // Synced users carry their account's anchor; planted ones behave as planned.
    let mut checked = 0;
    for i in 0..opts.users {
        let Some(u) = cloud_user(&opts, i) else {
            continue;
        };
        let a = account(&opts, i);
        let p = pages.users.iter().find(|p| p.id() == u.id).unwrap();
        match u.planted {
            None | Some(Planted::GuestAsMember | Planted::MemberAsGuest) => {
                assert_eq!(
                    p.on_premises_immutable_id(),
                    Some(a.immutable_id().as_str())
                );
                assert_eq!(
                    p.on_premises_security_identifier(),
                    Some(a.sid_string().as_str())
                );
                assert_eq!(p.on_premises_distinguished_name(), Some(&*a.dn));
                assert_eq!(p.on_premises_sync_enabled, Some(true));
                let intended = if a.is_partner && a.extension_attribute1.as_deref() == Some("Guest")
                {
                    "Guest"
                } else {
                    "Member"
                };
                let expect = match u.planted {
                    Some(Planted::GuestAsMember) => "Member",
                    Some(Planted::MemberAsGuest) => "Guest",
                    _ => intended,
                };
                assert_eq!(p.user_type.as_ref().map(UserType::as_str), Some(expect));
                checked += 1;
            }
            Some(Planted::SyncedB2bGuest) => {
                assert_eq!(
                    p.on_premises_immutable_id(),
                    Some(a.immutable_id().as_str())
                );
                assert_eq!(p.creation_type(), Some("Invitation"));
                assert_eq!(p.user_type, Some(UserType::Guest));
                assert!(!a.is_partner);
            }
            Some(Planted::SoftMatch) => {
                assert_eq!(p.user_principal_name(), Some(&*cloud_upn(&a)));
                assert_eq!(p.mail(), a.mail.as_deref());
                assert!(p.on_premises_immutable_id().is_none());
                assert_eq!(p.on_premises_sync_enabled, None);
            }
            Some(Planted::AnchorMismatch) => {
                assert_eq!(p.user_principal_name(), Some(&*cloud_upn(&a)));
                assert!(p.on_premises_immutable_id().is_some());
                assert_ne!(
                    p.on_premises_immutable_id(),
                    Some(a.immutable_id().as_str())
                );
            }
            Some(k) => panic!("account {i} planted {k:?}"),
        }
    }
    assert!(checked > 2700);
    // Accounts that repeat the previous account's anchor have no cloud user of their own.
    let copies: Vec<u64> = (0..opts.users)
        .filter(|&i| planted(&opts, i) == Some(Planted::DuplicateAnchor))
        .collect();
    assert!(!copies.is_empty());
    for &i in &copies {
        assert!(cloud_user(&opts, i).is_none());
        let (a, prev) = (account(&opts, i), account(&opts, i - 1));
        assert_eq!(a.duplicate_anchor_of, Some(i - 1));
        assert_eq!(a.immutable_id(), prev.immutable_id());
        assert_ne!(a.object_guid, prev.object_guid);
    }
    let mails: BTreeSet<String> = (0..opts.users)
        .filter_map(|i| account(&opts, i).mail)
        .collect();

    // Cloud-only slots.
    let anchors: BTreeSet<String> = (0..opts.users)
        .map(|i| account(&opts, i).immutable_id())
        .collect();
    for k in 0..cloud_only_count(opts.users) {
        let u = cloud_only_user(&opts, k);
        let p = pages.users.iter().find(|p| p.id() == u.id).unwrap();
        match u.planted {
            Some(Planted::B2bGuest) => {
                let upn = p.user_principal_name().unwrap();
                assert!(upn.contains("#EXT#@contoso.onmicrosoft.com"), "{upn}");
                assert_eq!(p.user_type, Some(UserType::Guest));
                assert_eq!(p.creation_type(), Some("Invitation"));
                assert!(matches!(
                    p.external_user_state(),
                    Some("Accepted" | "PendingAcceptance")
                ));
                assert_eq!(p.on_premises_sync_enabled, None);
            }
            Some(Planted::OrphanedCloud) => {
                assert_eq!(p.on_premises_sync_enabled, Some(true));
                let id = p.on_premises_immutable_id().unwrap();
                assert!(!anchors.contains(id));
            }
            Some(Planted::DuplicateImmutableId) => {
                let id = p.on_premises_immutable_id().unwrap();
                assert!(anchors.contains(id));
                let same = pages
                    .users
                    .iter()
                    .filter(|o| o.on_premises_immutable_id() == Some(id))
                    .count();
                assert_eq!(same, 2, "two cloud users share {id}");
            }
            Some(Planted::MailCollision) => {
                let mail = p.mail().unwrap();
                assert!(mails.contains(mail), "{mail} is an account's mail");
                assert!(p.user_principal_name().unwrap().contains("#EXT#"));
                assert_eq!(p.creation_type(), Some("Invitation"));
                assert_eq!(p.on_premises_sync_enabled, None);
            }
            Some(Planted::CloudOnlyMember) => {
                assert_eq!(p.user_type, Some(UserType::Member));
                assert_eq!(p.on_premises_sync_enabled, None);
                assert!(p.on_premises_immutable_id().is_none());
            }
            other => panic!("slot {k} planted {other:?}"),
        }
    }

    // Deterministic: a second run writes the same bytes.
    let dir2 = tempfile::tempdir().unwrap();
    let summary2 = generate(&opts, dir2.path()).unwrap();
    for ((p1, n1), (p2, n2)) in summary.files.iter().zip(&summary2.files) {
        assert_eq!(n1, n2);
        assert_eq!(fs::read(p1).unwrap(), fs::read(p2).unwrap(), "{p1:?}");
    }
}

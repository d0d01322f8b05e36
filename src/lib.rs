//! usertype-audit: an offline, read-only audit of Microsoft Entra Connect
//! UserType sync.
//!
//! Entra Connect sets each synced user's cloud `userType` (Member or Guest)
//! from a rule the organisation writes; when the rule or the data is wrong,
//! partners become Members and can read the whole directory. This crate reads
//! the on-premises Active Directory exports and the Microsoft Graph users
//! exports, classifies each account with the organisation's rule, matches it
//! to its cloud user as Connect does, and reports every disagreement with a
//! verdict: pass, fail or incomplete. It never opens a network connection and
//! never writes anywhere but the report folder it is given. It is the library
//! behind the `usertype-audit` command.
//!
//! # The pipeline
//!
//! Each stage depends only on the ones before it:
//!
//! 1. [`read`] opens the exports (a file, standard input or bytes held in
//!    memory: [`read::InputSource`]; gzip and UTF-16 decoded on the way) and
//!    parses them: LDIF (`ldifde`, `ldapsearch`), csvde and `Export-Csv` CSV
//!    on premises, Graph JSON and the admin-center CSV in the cloud. [`model`]
//!    holds the nouns they share (accounts, GUIDs, SIDs, source anchors).
//! 2. [`classify`] loads the rule file ([`classify::config::load`]) and gives
//!    each account the UserType the rule intends ([`classify::Classifier`]);
//!    a Connect expression runs in its own engine ([`classify::expr`]).
//! 3. [`matcher`] finds each account's cloud user as Connect joins them.
//! 4. [`findings`] names what is wrong (kinds, severities, the verdict).
//! 5. [`report`] writes the report set (`findings.jsonl`, `findings.csv`,
//!    `summary.json`, `summary.md`, `report.html`).
//! 6. [`audit`] runs the whole pipeline: [`audit::run`].
//! 7. [`plan`] turns an audit into remediation files for a person to review
//!    and apply (Graph batches, PowerShell, LDIF change files); it never
//!    applies anything.
//! 8. [`diff`] compares two audits' report folders (new, resolved and
//!    changed findings).
//!
//! # What is public, and why
//!
//! The front door, meant for programs and kept stable: [`audit`] (inputs,
//! options, [`audit::run`] and its outcome), [`read::InputSource`],
//! [`classify::config::load`] and [`classify::Classifier`], [`findings`]
//! (what an audit returns), [`report`] (writing it), [`error`] and [`diag`]
//! (what goes wrong, and where).
//!
//! The stages themselves stay public so that each can be used, tested,
//! benchmarked and fuzzed on its own (the readers in [`read`], the
//! expression engine in [`classify::expr`], [`model`], [`matcher`]); they
//! follow the needs of the audit and may change between versions.
//!
//! `generate` (a deterministic synthetic forest for demos, tests and
//! benchmarks) is behind the cargo feature `generate`, on by default; the
//! command needs it. The command's own code (`cli`) is not part of the
//! library's interface and is hidden from these docs.
//!
//! # Example
//!
//! Audit two exports a program holds in memory and write the reports:
//!
//! ```
//! use usertype_audit::audit::{self, AuditInputs, AuditOptions, NoProgress};
//! use usertype_audit::classify::{config, Classifier};
//! use usertype_audit::findings::{Kind, Verdict};
//! use usertype_audit::read::InputSource;
//! use usertype_audit::report::{self, Format, Report};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The rule: UserType comes straight from extensionAttribute1 (a Direct flow).
//! let rules = "[usertype]\nsource_attribute = \"extensionAttribute1\"\n";
//! let loaded = config::load(rules);
//! let rule_set = loaded.rules.ok_or("the rule file has errors")?;
//! let classifier = Classifier::new(rule_set)?;
//!
//! // One partner in AD (an ldifde export), a Member in the cloud (Graph JSON).
//! let ldif = "dn: CN=Ada Lovelace,OU=Partners,DC=contoso,DC=com\n\
//!             objectClass: user\n\
//!             sAMAccountName: ada\n\
//!             userPrincipalName: ada@partner.example\n\
//!             objectGUID:: AAECAwQFBgcICQoLDA0ODw==\n\
//!             extensionAttribute1: Guest\n\n";
//! let graph = r#"{"value":[{"id":"6f2d8ac3-9a1b-4c1e-8a55-3f1e6d0b2a11",
//!     "userPrincipalName":"ada@partner.example","userType":"Member",
//!     "accountEnabled":true,"mail":null,"proxyAddresses":[],
//!     "onPremisesSyncEnabled":true,"onPremisesImmutableId":"AAECAwQFBgcICQoLDA0ODw==",
//!     "onPremisesSecurityIdentifier":"S-1-5-21-1-2-3-1100",
//!     "creationType":null,"externalUserState":null}]}"#;
//!
//! let inputs = AuditInputs {
//!     onprem: vec![InputSource::bytes("onprem.ldf", ldif.as_bytes())],
//!     cloud: vec![InputSource::bytes("graph-users.json", graph.as_bytes())],
//!     rules: InputSource::bytes("rules.toml", rules.as_bytes()),
//! };
//! let options = AuditOptions {
//!     reproducible: true, // no clock in the summary
//!     ..AuditOptions::default()
//! };
//! let result = audit::run(&inputs, &classifier, &options, &NoProgress)?;
//!
//! // The partner intended Guest is a Member in the cloud: the audit fails.
//! assert_eq!(result.summary.verdict, Verdict::Fail);
//! assert_eq!(result.findings[0].kind, Kind::GuestAsMember);
//! assert_eq!(result.findings[0].source.as_deref(), Some("onprem.ldf:1"));
//!
//! // The report set, written as one (temporary files renamed at the end).
//! let out = std::env::temp_dir().join(format!("usertype-audit-doc-{}", std::process::id()));
//! let report = Report {
//!     findings: &result.findings,
//!     summary: &result.summary,
//!     include_info: false,
//! };
//! let written = report::write_reports(&report, Format::ALL, &out)?;
//! assert!(written.iter().any(|p| p.ends_with("report.html")));
//! # std::fs::remove_dir_all(&out)?;
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

pub mod audit;
pub mod classify;
pub mod diag;
pub mod diff;
pub mod error;
pub mod findings;
#[cfg(feature = "generate")]
pub mod generate;
pub mod matcher;
pub mod model;
pub mod plan;
pub mod read;
pub mod report;

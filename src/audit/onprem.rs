//! The on-premises side of an audit, streamed: each batch of entries is
//! classified, matched and judged on a worker thread ([`assess::judge`]), and
//! only findings and a few bytes per account (its anchor, its match, its DN
//! and UPN in one shared buffer) are kept for the whole-export checks.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;

use crate::classify::{Classification, Classifier, EvalScratch, Intent, UserType};
use crate::error::Result;
use crate::findings::{
    Finding, FindingId, IntentTally, Kind, MatchedBy, OnPremTally, SeverityFacts,
};
use crate::matcher::{AccountKeys, AccountMatch, CloudIndex, Hit};
use crate::model::ids::{Anchor, AnchorSource, SidText};
use crate::read::account::{Account, CLASSIFY_ATTRIBUTES, MATCH_ATTRIBUTES};
use crate::read::cloud::CloudUser;
use crate::read::input::Input;
use crate::read::{Batch, BatchSink, EntryRef, InputSource, Projection, ReadControl};

use super::{assess, guests, reasons, AuditOptions, Progress, RunLog, SortKey};

/// Per-account data kept after its batch is gone.
pub(super) struct Stub {
    pub(super) anchor: Option<Anchor>,
    pub(super) primary: Option<Hit>,
    pub(super) line: u64,
    /// DN and UPN as ranges of the batch's text buffer.
    pub(super) dn: (u32, u32),
    pub(super) upn: Option<(u32, u32)>,
}

/// Stubs of one batch, with one text buffer for all of them.
pub(super) struct Stubs {
    pub(super) file: u16,
    pub(super) name: Arc<str>,
    text: String,
    pub(super) rows: Vec<Stub>,
}

impl Stubs {
    /// The text of a range of the buffer.
    pub(super) fn text(&self, r: (u32, u32)) -> &str {
        self.text.get(r.0 as usize..r.1 as usize).unwrap_or("")
    }
}

/// What the on-premises read leaves for the rest of the audit.
pub(super) struct OnPremSide {
    pub(super) stubs: Vec<Stubs>,
    pub(super) findings: Vec<(SortKey, Finding)>,
    pub(super) tally: OnPremTally,
    pub(super) intent: IntentTally,
    /// Accounts the Connect configuration gives no UserType.
    pub(super) not_managed: u64,
    /// Intended Guests with their cloud users, when a plan is asked for.
    pub(super) guests: Vec<guests::Pending>,
}

/// Reads, classifies, matches and judges every on-premises export in order.
#[allow(clippy::too_many_arguments)]
pub(super) fn read(
    sources: &[InputSource],
    inputs: Vec<Input>,
    classifier: &Classifier,
    index: &CloudIndex<'_>,
    has_immutable_ids: bool,
    opts: &AuditOptions,
    progress: &dyn Progress,
    log: &mut RunLog,
) -> Result<OnPremSide> {
    let mut projection: Vec<String> = CLASSIFY_ATTRIBUTES
        .iter()
        .chain(MATCH_ATTRIBUTES)
        .map(|s| s.to_string())
        .collect();
    projection.extend(classifier.attributes());
    projection.extend(opts.anchor.attributes().iter().map(|s| s.to_string()));
    let mut onprem_opts = opts.onprem.clone();
    // The audit checks the values it reads (a broken value of an attribute
    // no rule or key uses does not change a finding); `scan` checks them all.
    onprem_opts.ldif.validate_all = false;
    onprem_opts.ldif.projection = Projection::attrs(projection.iter());
    onprem_opts.csv.projection = Projection::attrs(projection.iter());
    let flow_attributes = reasons::flow_attributes(classifier);
    let mut sink = AuditSink {
        ctx: Ctx {
            classifier,
            index,
            anchor: &opts.anchor,
            file: 0,
            name: Arc::from(""),
            flow_attributes: &flow_attributes,
            has_immutable_ids,
            keep_plan_data: opts.keep_plan_data,
        },
        stubs: Vec::new(),
        findings: Vec::new(),
        tally: LocalTally::default(),
        attrs_seen: 0,
        guests: Vec::new(),
    };
    let mut onprem = OnPremTally::default();
    for (file_no, (source, input)) in sources.iter().zip(inputs).enumerate() {
        let path = source.name();
        sink.ctx.file = file_no as u16;
        sink.ctx.name = input.name.clone();
        progress.begin(path, input.progress_total());
        let tick = |done: u64| progress.update(done);
        let control = ReadControl {
            progress: Some(&tick),
            keep_per_kind: opts.keep_per_kind,
        };
        let read = crate::read::read_onprem(input, &onprem_opts, &control, &mut sink);
        progress.end();
        let (format, summary) = read?;
        reasons::onprem_file(path, format.name(), &summary, &mut onprem, log);
    }
    let AuditSink {
        stubs,
        findings,
        tally,
        attrs_seen,
        guests,
        ..
    } = sink;
    for (why, n) in tally.not_accounts {
        *onprem.skipped_by_reason.entry(why).or_default() += n;
        onprem.skipped += n;
    }
    onprem.accounts_audited = tally.audited;
    onprem.out_of_scope = tally.out_of_scope.values().sum();
    onprem.out_of_scope_by_filter = tally.out_of_scope;
    reasons::absent_flow_attributes(&flow_attributes, attrs_seen, tally.audited, log);
    reasons::nothing_audited(&onprem, log);
    Ok(OnPremSide {
        stubs,
        findings,
        tally: onprem,
        intent: tally.intent,
        not_managed: tally.not_managed,
        guests,
    })
}

#[derive(Default)]
struct LocalTally {
    audited: u64,
    out_of_scope: BTreeMap<String, u64>,
    not_accounts: BTreeMap<String, u64>,
    intent: IntentTally,
    /// Accounts the Connect configuration gives no UserType (counted in
    /// `intent.no_value` too).
    not_managed: u64,
}

impl LocalTally {
    fn add(&mut self, o: LocalTally) {
        self.audited += o.audited;
        self.not_managed += o.not_managed;
        for (k, n) in o.out_of_scope {
            *self.out_of_scope.entry(k).or_default() += n;
        }
        for (k, n) in o.not_accounts {
            *self.not_accounts.entry(k).or_default() += n;
        }
        self.intent.member += o.intent.member;
        self.intent.guest += o.intent.guest;
        self.intent.error += o.intent.error;
        self.intent.invalid += o.intent.invalid;
        self.intent.no_value += o.intent.no_value;
    }

    fn count_intent(&mut self, intent: &Intent) {
        match intent {
            Intent::UserType(UserType::Member) => self.intent.member += 1,
            Intent::UserType(UserType::Guest) => self.intent.guest += 1,
            Intent::Error(_) => self.intent.error += 1,
            Intent::Invalid(_) => self.intent.invalid += 1,
            // Not managed by sync (Entra Connect configuration): no value
            // flows, as for NoValue; the rule name says why.
            Intent::NoValue(_) => self.intent.no_value += 1,
            Intent::NotManaged => {
                self.intent.no_value += 1;
                self.not_managed += 1;
            }
            Intent::OutOfScope => {}
        }
    }
}

struct Ctx<'a> {
    classifier: &'a Classifier,
    index: &'a CloudIndex<'a>,
    anchor: &'a AnchorSource,
    file: u16,
    name: Arc<str>,
    flow_attributes: &'a [String],
    has_immutable_ids: bool,
    keep_plan_data: bool,
}

struct AuditSink<'a> {
    ctx: Ctx<'a>,
    stubs: Vec<Stubs>,
    findings: Vec<(SortKey, Finding)>,
    tally: LocalTally,
    attrs_seen: u64,
    guests: Vec<guests::Pending>,
}

struct BatchOut {
    stubs: Stubs,
    findings: Vec<(SortKey, Finding)>,
    tally: LocalTally,
    attrs_seen: u64,
    guests: Vec<guests::Pending>,
}

impl BatchSink for AuditSink<'_> {
    type Output = BatchOut;

    fn map(&self, batch: &Batch) -> BatchOut {
        let ctx = &self.ctx;
        let mut scratch = EvalScratch::default();
        let mut out = BatchOut {
            stubs: Stubs {
                file: ctx.file,
                name: ctx.name.clone(),
                text: String::new(),
                rows: Vec::with_capacity(batch.len()),
            },
            findings: Vec::new(),
            tally: LocalTally::default(),
            attrs_seen: 0,
            guests: Vec::new(),
        };
        let mut judgements = Vec::new();
        for entry in batch.entries() {
            match Account::from_entry(entry) {
                Ok(account) => {
                    ctx.audit_account(entry, &account, &mut scratch, &mut judgements, &mut out)
                }
                Err(why) => *out.tally.not_accounts.entry(why.to_string()).or_default() += 1,
            }
        }
        out
    }

    fn consume(&mut self, _: &Batch, out: BatchOut) -> io::Result<()> {
        self.findings.extend(out.findings);
        self.tally.add(out.tally);
        self.attrs_seen |= out.attrs_seen;
        self.guests.extend(out.guests);
        if !out.stubs.rows.is_empty() {
            self.stubs.push(out.stubs);
        }
        Ok(())
    }
}

impl Ctx<'_> {
    /// Classifies, matches and judges one account; keeps its stub and findings.
    fn audit_account(
        &self,
        entry: EntryRef<'_>,
        account: &Account<'_>,
        scratch: &mut EvalScratch,
        judgements: &mut Vec<assess::Judgement>,
        out: &mut BatchOut,
    ) {
        let users = self.index.users();
        let anchor = account.source_anchor(self.anchor);
        let classification = self.classifier.classify(account, anchor.is_some(), scratch);
        let sid = account.sid_text();
        let dn_text = String::from_utf8_lossy(account.dn());
        let keys = AccountKeys {
            anchor: anchor.as_ref(),
            sid: sid.as_ref().map(SidText::as_str),
            dn: Some(&dn_text),
            upn: account.upn,
            smtp: account.primary_smtp.or(account.mail),
        };
        let m = self.index.match_account(&keys);
        let intent = &classification.intent;
        judgements.clear();
        // The cloud user the account claims (an out-of-scope account
        // claims only its hard match, so that user is no orphan).
        let joined = if *intent == Intent::OutOfScope {
            self.out_of_scope(&classification, &m, users, &mut out.tally, judgements)
        } else {
            out.tally.audited += 1;
            for (i, attr) in self.flow_attributes.iter().enumerate() {
                if entry.get(attr).is_some() {
                    out.attrs_seen |= 1 << i;
                }
            }
            out.tally.count_intent(intent);
            let mut buf = [0u8; 24];
            let key = anchor
                .as_ref()
                .map(|a| crate::matcher::account_anchor_key(a, &mut buf));
            let side = assess::CloudSide {
                users,
                has_immutable_ids: self.has_immutable_ids,
            };
            assess::judge(intent, key.as_deref(), &m, side, judgements);
            m.primary
        };
        // Only accounts with findings need the ImmutableId as text.
        let immutable_id = if judgements.is_empty() {
            None
        } else {
            anchor.as_ref().map(Anchor::immutable_id)
        };
        if self.keep_plan_data {
            let file = (self.file, &self.name);
            guests::note(&mut out.guests, intent, account, &dn_text, file, m.primary);
        }
        push_stub(&mut out.stubs, account, &dn_text, anchor, joined);
        for j in judgements.drain(..) {
            let cloud = j.cloud_user.and_then(|i| users.get(i as usize));
            let finding = Finding {
                id: FindingId::account(j.kind, immutable_id.as_deref(), Some(&dn_text)),
                kind: j.kind,
                severity: j.severity,
                dn: Some(dn_text.to_string()),
                upn: account.upn.map(str::to_string),
                source_anchor: immutable_id.clone(),
                cloud_id: cloud.map(|u| u.id().to_string()),
                cloud_upn: cloud.and_then(|u| u.user_principal_name().map(str::to_string)),
                intended_user_type: Some(intent.outcome().to_string()),
                cloud_user_type: cloud
                    .and_then(|u| u.user_type.as_ref().map(|t| t.as_str().to_string())),
                matched_by: j.matched_by,
                rule: Some(self.classifier.rule_name(&classification).to_string()),
                source: Some(format!("{}:{}", self.name, account.line())),
                detail: j.detail,
                waiver: None,
            };
            let key = (
                Reverse(finding.severity),
                finding.kind,
                usize::from(self.file),
                account.line(),
                finding.cloud_id.clone().unwrap_or_default(),
            );
            out.findings.push((key, finding));
        }
    }

    /// An account the scope leaves out: counted under the filter that excluded
    /// it, and judged `out_of_scope`; returns the cloud user it still claims.
    fn out_of_scope(
        &self,
        classification: &Classification,
        m: &AccountMatch,
        users: &[CloudUser],
        tally: &mut LocalTally,
        judgements: &mut Vec<assess::Judgement>,
    ) -> Option<Hit> {
        let rule = self.classifier.rule_name(classification).to_string();
        *tally.out_of_scope.entry(rule).or_default() += 1;
        let primary = m.primary.filter(|h| h.by == MatchedBy::ImmutableId);
        let detail = match primary.and_then(|h| users.get(h.user as usize)) {
            Some(u) => format!(
                "excluded by the scope; its cloud user {} still exists and Entra Connect \
                 would delete it at the next sync",
                u.id()
            ),
            None => "excluded by the scope: Entra Connect does not synchronise it".into(),
        };
        judgements.push(assess::Judgement {
            kind: Kind::OutOfScope,
            severity: Kind::OutOfScope.severity(SeverityFacts::default()),
            cloud_user: primary.map(|h| h.user),
            matched_by: primary.map(|h| h.by),
            detail,
        });
        primary
    }
}

fn push_stub(
    stubs: &mut Stubs,
    account: &Account<'_>,
    dn: &str,
    anchor: Option<Anchor>,
    primary: Option<Hit>,
) {
    let mut range = |s: &str| {
        let start = stubs.text.len() as u32;
        stubs.text.push_str(s);
        (start, stubs.text.len() as u32)
    };
    let dn = range(dn);
    let upn = account.upn.map(&mut range);
    stubs.rows.push(Stub {
        anchor,
        primary,
        line: account.line(),
        dn,
        upn,
    });
}

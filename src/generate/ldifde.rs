//! The on-premises export, written the way Windows `ldifde` writes one:
//! `dn:` then `changetype: add` then one `name: value` line per value, CRLF
//! line endings, a blank line after every record, no `version:` line, lines
//! folded every 76 bytes (continuation lines start with one space), binary
//! attributes and values RFC 2849 does not allow in plain form written as
//! `name:: base64`.
//!
//! The attribute lists of users, groups and computers live here once
//! ([`write_user`], [`write_non_user`]) and go to any [`AttrSink`]; the csvde
//! writer uses the same lists, so both files carry the same values.

use std::io::{self, Write};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::{
    drive, filetime, group_cn, group_dn, group_members, slot_is_group, user_dn, BatchedOut, Ctx,
    ExportWriter, GenerateOptions, GenerateSummary, OobExclusion, Rng, SyntheticAccount,
    FIRST_USER_RID, NEVER_EXPIRES, S_LDIF,
};

/// Bytes per physical line before a fold (the continuation adds one space).
pub(crate) const FOLD_WIDTH: usize = 76;
/// Records are handed to the writer in batches of about this many bytes.
pub(crate) const BATCH: usize = 256 << 10;

/// The same LDIF writer used by generate, to any writer (for benches/tests that want bytes in memory).
///
/// The returned summary has one `files` entry with an empty path and the
/// number of bytes written. Output is batched internally, so an unbuffered
/// writer is fine.
pub fn write_onprem_ldif<W: Write>(opts: &GenerateOptions, out: W) -> io::Result<GenerateSummary> {
    drive(opts, &mut [&mut LdifWriter::new(out)])
}

/// [`ExportWriter`] of `onprem.ldf`.
pub(crate) struct LdifWriter<W: Write> {
    out: BatchedOut<W>,
    rec: Record,
}

impl<W: Write> LdifWriter<W> {
    pub(crate) fn new(out: W) -> Self {
        LdifWriter {
            out: BatchedOut::new(out),
            rec: Record::new(),
        }
    }
}

impl<W: Write> ExportWriter for LdifWriter<W> {
    fn user(&mut self, ctx: &Ctx, a: &SyntheticAccount, x: &UserExtras) -> io::Result<()> {
        write_user(ctx, a, x, &mut self.rec);
        self.out.spill(&mut self.rec.buf, BATCH)
    }

    fn non_user(&mut self, ctx: &Ctx, slot: u64) -> io::Result<()> {
        write_non_user(ctx, slot, &mut self.rec);
        self.out.spill(&mut self.rec.buf, BATCH)
    }

    fn finish(&mut self) -> io::Result<u64> {
        self.out.finish(&mut self.rec.buf)
    }
}

// ---------------------------------------------------------------------------
// Line formatting

/// RFC 2849 note 4 and 8: a value must be base64 when it contains a byte
/// outside SAFE-CHAR (NUL, LF, CR, or >= 0x80), starts with SPACE, `:` or `<`,
/// or (SHOULD) ends with SPACE.
pub(crate) fn needs_base64(v: &[u8]) -> bool {
    match (v.first(), v.last()) {
        (None, _) => false,
        (Some(&f), Some(&l)) => {
            f == b' '
                || f == b':'
                || f == b'<'
                || l == b' '
                || v.iter()
                    .any(|&b| b == 0 || b == b'\n' || b == b'\r' || b >= 0x80)
        }
        _ => false,
    }
}

/// Append `line` to `out` folded every [`FOLD_WIDTH`] bytes, CRLF-terminated.
pub(crate) fn push_folded(out: &mut Vec<u8>, line: &[u8]) {
    let mut chunks = line.chunks(FOLD_WIDTH);
    if let Some(first) = chunks.next() {
        out.extend_from_slice(first);
        out.extend_from_slice(b"\r\n");
    }
    for c in chunks {
        out.push(b' ');
        out.extend_from_slice(c);
        out.extend_from_slice(b"\r\n");
    }
}

/// Append `n` in decimal.
pub(crate) fn push_u64(v: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    v.extend_from_slice(&tmp[i..]);
}

/// Append `n` in decimal (with a `-` when negative).
pub(crate) fn push_i64(v: &mut Vec<u8>, n: i64) {
    if n < 0 {
        v.push(b'-');
    }
    push_u64(v, n.unsigned_abs());
}

/// (year, month, day, hour, minute, second) of a Unix time (UTC).
pub(crate) fn civil(unix: u64) -> (u64, u64, u64, u64, u64, u64) {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    let (y, m, d) = crate::model::time::civil_from_days(days);
    (
        y as u64,
        m as u64,
        d as u64,
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
    )
}

/// GeneralizedTime as AD writes it: `20240115103000.0Z`.
pub(crate) fn push_gen_time(v: &mut Vec<u8>, unix: u64) {
    let (y, mo, d, h, mi, s) = civil(unix);
    let mut b = *b"00000000000000.0Z";
    let mut put = |pos: usize, width: usize, mut n: u64| {
        for k in (0..width).rev() {
            b[pos + k] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, 4, y);
    put(4, 2, mo);
    put(6, 2, d);
    put(8, 2, h);
    put(10, 2, mi);
    put(12, 2, s);
    v.extend_from_slice(&b);
}

// ---------------------------------------------------------------------------
// Attribute sinks

/// Receives the attributes of one directory object, in export order. A
/// multi-valued attribute arrives as several calls with the same name.
pub(crate) trait AttrSink {
    /// Start an object.
    fn begin(&mut self, dn: &str);
    /// End the current object.
    fn end(&mut self);
    /// One value; `binary` for octet-string attributes (`objectGUID`, ...).
    fn value(&mut self, name: &str, v: &[u8], binary: bool);
    /// An integer value.
    fn uint(&mut self, name: &str, n: u64);
    /// A signed integer value.
    fn int(&mut self, name: &str, n: i64);
    /// A GeneralizedTime value (Unix seconds).
    fn time(&mut self, name: &str, unix: u64);
    /// A value built with `format_args!` (ASCII only).
    fn fmt(&mut self, name: &str, args: std::fmt::Arguments<'_>);

    /// A text value.
    fn text(&mut self, name: &str, v: &str) {
        self.value(name, v.as_bytes(), false);
    }
    /// A text value when present.
    fn opt(&mut self, name: &str, v: &Option<String>) {
        if let Some(v) = v {
            self.text(name, v);
        }
    }
    /// A binary value.
    fn bin(&mut self, name: &str, v: &[u8]) {
        self.value(name, v, true);
    }
}

/// One record being built; reused for every record (`buf` accumulates a batch).
struct Record {
    buf: Vec<u8>,
    line: Vec<u8>,
}

impl Record {
    fn new() -> Self {
        Record {
            buf: Vec::with_capacity(BATCH + (64 << 10)),
            line: Vec::with_capacity(4096),
        }
    }

    fn start_line(&mut self, name: &str) {
        self.line.clear();
        self.line.extend_from_slice(name.as_bytes());
    }

    fn finish_line(&mut self) {
        push_folded(&mut self.buf, &self.line);
    }
}

impl AttrSink for Record {
    /// `dn:` (or `dn::`) and `changetype: add`.
    fn begin(&mut self, dn: &str) {
        self.value("dn", dn.as_bytes(), false);
        self.buf.extend_from_slice(b"changetype: add\r\n");
    }

    /// The blank line that ends a record.
    fn end(&mut self) {
        self.buf.extend_from_slice(b"\r\n");
    }

    fn value(&mut self, name: &str, v: &[u8], binary: bool) {
        self.start_line(name);
        if binary || needs_base64(v) {
            self.line.extend_from_slice(b":: ");
            let start = self.line.len();
            let n = base64::encoded_len(v.len(), true).expect("value too large");
            self.line.resize(start + n, 0);
            let written = STANDARD
                .encode_slice(v, &mut self.line[start..])
                .expect("buffer sized by encoded_len");
            debug_assert_eq!(written, n);
        } else {
            self.line.extend_from_slice(b": ");
            self.line.extend_from_slice(v);
        }
        self.finish_line();
    }

    fn uint(&mut self, name: &str, n: u64) {
        self.start_line(name);
        self.line.extend_from_slice(b": ");
        push_u64(&mut self.line, n);
        self.finish_line();
    }

    fn int(&mut self, name: &str, n: i64) {
        self.start_line(name);
        self.line.extend_from_slice(b": ");
        push_i64(&mut self.line, n);
        self.finish_line();
    }

    fn time(&mut self, name: &str, unix: u64) {
        self.start_line(name);
        self.line.extend_from_slice(b": ");
        push_gen_time(&mut self.line, unix);
        self.finish_line();
    }

    fn fmt(&mut self, name: &str, args: std::fmt::Arguments<'_>) {
        self.start_line(name);
        self.line.extend_from_slice(b": ");
        self.line.write_fmt(args).expect("write to Vec");
        debug_assert!(!needs_base64(&self.line[name.len() + 2..]));
        self.finish_line();
    }
}

// ---------------------------------------------------------------------------
// Records

const T_NOW: u64 = 1_736_899_200;

fn dscore_propagation<S: AttrSink>(rec: &mut S, r: &mut Rng, created: u64) {
    for _ in 0..r.below(2) {
        let t = created + r.below(T_NOW.saturating_sub(created).max(1));
        rec.time("dSCorePropagationData", t);
    }
    rec.text("dSCorePropagationData", "16010101000001.0Z");
}

/// The values of a user record that are not in [`SyntheticAccount`] (drawn
/// from the account's `S_LDIF` stream), shared by every export format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UserExtras {
    pub usn_created: u64,
    pub usn_changed: u64,
    pub bad_pwd: u64,
    /// FILETIME, 0 = never.
    pub bad_pwd_time: u64,
    /// FILETIME, 0 = never.
    pub last_logon: u64,
    pub logon_count: u64,
    /// `homeDirectory` / `homeDrive` are set.
    pub home_directory: bool,
    /// `scriptPath` is set.
    pub script_path: bool,
    pub mbx_guid: [u8; 16],
    /// Random part of `legacyExchangeDN`.
    pub leg: [u8; 16],
    /// The extra `dSCorePropagationData` value (before `16010101000001.0Z`).
    pub dscore: Option<u64>,
}

impl UserExtras {
    /// The draws of user `a`, in the order the LDIF writer always made them.
    pub(crate) fn new(ctx: &Ctx, a: &SyntheticAccount) -> UserExtras {
        let mut r = Rng::new(ctx.seed, a.index, S_LDIF);
        let usn_created = 20_000 + a.index * 9 + r.below(9);
        let usn_changed = usn_created + r.below(2_000_000);
        let bad_pwd = if r.chance(0.9) { 0 } else { r.range(1, 3) };
        let bad_pwd_time = if r.chance(0.4) {
            0
        } else {
            filetime(T_NOW - r.below(200 * 86_400), r.next_u64())
        };
        let last_logon = a
            .last_logon_timestamp
            .map(|t| (t + r.below(14 * 86_400 * 10_000_000)).min(filetime(T_NOW, 0)))
            .unwrap_or(0);
        let logon_count = if a.last_logon_timestamp.is_some() {
            r.range(1, 5000)
        } else {
            0
        };
        let home = r.chance(0.8);
        let mut mbx_guid = [0u8; 16];
        r.fill(&mut mbx_guid);
        let mut leg = [0u8; 16];
        r.fill(&mut leg);
        let dscore = (r.below(2) == 1)
            .then(|| a.when_created + r.below(T_NOW.saturating_sub(a.when_created).max(1)));
        let person =
            a.oob_exclusion.is_none() || a.oob_exclusion == Some(OobExclusion::UserWriteback);
        UserExtras {
            usn_created,
            usn_changed,
            bad_pwd,
            bad_pwd_time,
            last_logon,
            logon_count,
            home_directory: person && home && !a.is_partner,
            script_path: person && !a.is_partner,
            mbx_guid,
            leg,
            dscore,
        }
    }
}

/// `homeDirectory` of a user that has one.
pub(crate) struct HomeDirectory<'a>(pub &'a Ctx, pub &'a SyntheticAccount);

impl std::fmt::Display for HomeDirectory<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\\\\fs01.{}\\home$\\{}", self.0.domain, self.1.sam)
    }
}

/// `legacyExchangeDN` of a user with a mailbox.
pub(crate) struct LegacyExchangeDn<'a>(pub &'a Ctx, pub &'a SyntheticAccount, pub &'a UserExtras);

impl std::fmt::Display for LegacyExchangeDn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (ctx, a, x) = (self.0, self.1, self.2);
        let nick = a.mail_nickname.as_deref().unwrap_or(&a.sam);
        write!(
            f,
            "/o={}/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={}-",
            ctx.org,
            Hex(&x.leg)
        )?;
        for c in nick.chars().filter(|c| c.is_ascii_alphanumeric()).take(3) {
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// `targetAddress` of a remote mailbox.
pub(crate) struct TargetAddress<'a>(pub &'a Ctx, pub &'a str);

impl std::fmt::Display for TargetAddress<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SMTP:{}@{}.mail.onmicrosoft.com", self.1, self.0.tenant)
    }
}

/// `msExchRecipientDisplayType` for a `msExchRecipientTypeDetails` value.
pub(crate) fn recipient_display_type(rtd: u64) -> i64 {
    if rtd == 1 {
        1_073_741_824
    } else {
        -2_147_483_642
    }
}

/// The attributes of user `a` in ldifde order.
pub(crate) fn write_user<S: AttrSink>(
    ctx: &Ctx,
    a: &SyntheticAccount,
    x: &UserExtras,
    rec: &mut S,
) {
    rec.begin(&a.dn);
    for oc in ["top", "person", "organizationalPerson", "user"] {
        rec.text("objectClass", oc);
    }
    rec.text("cn", &a.cn);
    rec.opt("sn", &a.sn);
    rec.opt("c", &a.country);
    rec.opt("l", &a.city);
    rec.opt("st", &a.state);
    rec.opt("title", &a.title);
    rec.opt("description", &a.description);
    rec.opt("postalCode", &a.postal_code);
    rec.opt("physicalDeliveryOfficeName", &a.office);
    rec.opt("telephoneNumber", &a.telephone);
    rec.opt("givenName", &a.given);
    rec.text("distinguishedName", &a.dn);
    rec.uint("instanceType", 4);
    rec.time("whenCreated", a.when_created);
    rec.time("whenChanged", a.when_changed);
    rec.opt("displayName", &a.display_name);
    rec.uint("uSNCreated", x.usn_created);
    for g in &a.member_of {
        rec.text("memberOf", g);
    }
    rec.uint("uSNChanged", x.usn_changed);
    if a.is_critical_system_object {
        rec.text("showInAdvancedViewOnly", "TRUE");
    }
    rec.opt("co", &a.country_name);
    rec.opt("department", &a.department);
    rec.opt("company", &a.company);
    rec.opt("streetAddress", &a.street);
    for p in &a.proxy_addresses {
        rec.text("proxyAddresses", p);
    }
    let rtd = a.msexch_recipient_type_details;
    rec.opt("mailNickname", &a.mail_nickname);
    rec.opt("manager", &a.manager);
    rec.text("name", &a.cn);
    rec.bin("objectGUID", &a.object_guid);
    rec.uint("userAccountControl", a.user_account_control as u64);
    rec.uint("badPwdCount", x.bad_pwd);
    rec.uint("codePage", 0);
    rec.uint("countryCode", a.country_code as u64);
    rec.opt("employeeID", &a.employee_id);
    if x.home_directory {
        rec.fmt("homeDirectory", format_args!("{}", HomeDirectory(ctx, a)));
        rec.text("homeDrive", "H:");
    }
    rec.uint("badPasswordTime", x.bad_pwd_time);
    rec.uint("lastLogoff", 0);
    rec.uint("lastLogon", x.last_logon);
    if x.script_path {
        rec.text("scriptPath", "logon.cmd");
    }
    rec.uint("pwdLastSet", a.pwd_last_set);
    rec.uint("primaryGroupID", 513);
    rec.bin("objectSid", &a.object_sid);
    rec.opt("adminDescription", &a.admin_description);
    rec.uint("accountExpires", a.account_expires);
    rec.uint("logonCount", x.logon_count);
    rec.text("sAMAccountName", &a.sam);
    rec.uint("sAMAccountType", 805_306_368);
    if rtd.is_some() {
        rec.fmt(
            "legacyExchangeDN",
            format_args!("{}", LegacyExchangeDn(ctx, a, x)),
        );
    }
    if !a.upn.is_empty() {
        rec.text("userPrincipalName", &a.upn);
    }
    if a.is_critical_system_object {
        rec.text("isCriticalSystemObject", "TRUE");
    }
    rec.opt("mobile", &a.mobile);
    if let Some(photo) = &a.thumbnail_photo {
        rec.bin("thumbnailPhoto", photo);
    }
    rec.text("objectCategory", &ctx.object_category_person);
    if let Some(t) = x.dscore {
        rec.time("dSCorePropagationData", t);
    }
    rec.text("dSCorePropagationData", "16010101000001.0Z");
    if let Some(t) = a.last_logon_timestamp {
        rec.uint("lastLogonTimestamp", t);
    }
    rec.opt("mail", &a.mail);
    if let Some(rtd) = rtd {
        let dt = recipient_display_type(rtd);
        if dt >= 0 {
            rec.uint("msExchRecipientDisplayType", dt as u64);
        } else {
            rec.int("msExchRecipientDisplayType", dt);
        }
        rec.bin("msExchMailboxGuid", &x.mbx_guid);
        rec.uint("msExchRecipientTypeDetails", rtd);
        if rtd != 1 {
            rec.uint("msExchRemoteRecipientType", 4);
            if let Some(nick) = &a.mail_nickname {
                rec.fmt(
                    "targetAddress",
                    format_args!("{}", TargetAddress(ctx, nick)),
                );
            }
        }
    }
    if let Some(cg) = &a.consistency_guid {
        rec.bin("mS-DS-ConsistencyGuid", cg);
    }
    rec.opt("extensionAttribute1", &a.extension_attribute1);
    rec.opt("employeeType", &a.employee_type);
    rec.end();
}

/// Non-user slot `slot`: a group or a computer.
pub(crate) fn write_non_user<S: AttrSink>(ctx: &Ctx, slot: u64, rec: &mut S) {
    if slot_is_group(ctx, slot) {
        write_group(ctx, slot, rec);
    } else {
        write_computer(ctx, slot, rec);
    }
}

/// Lowercase hex of bytes, for `format_args!`.
pub(crate) struct Hex<'a>(pub &'a [u8]);

impl std::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

fn slot_rid(ctx: &Ctx, slot: u64) -> u32 {
    (FIRST_USER_RID as u64)
        .wrapping_add(ctx.users)
        .wrapping_add(slot) as u32
}

fn write_group<S: AttrSink>(ctx: &Ctx, slot: u64, rec: &mut S) {
    // Stream S_LDIF with the slot index offset far from any user index.
    let mut r = Rng::new(ctx.seed ^ 0xA5A5_5A5A_0F0F_F0F0, slot, S_LDIF);
    let cn = group_cn(ctx, slot);
    let dn = group_dn(ctx, slot);
    let created = 1_325_376_000 + r.below(T_NOW - 1_325_376_000);
    let changed = created + r.below(T_NOW - created + 1);
    let usn_created = 15_000 + slot * 3;
    let guid = r.guid();
    let domain_local = r.chance(0.3);
    rec.begin(&dn);
    rec.text("objectClass", "top");
    rec.text("objectClass", "group");
    rec.text("cn", &cn);
    rec.fmt(
        "description",
        format_args!("Access group {cn} (managed by IT)"),
    );
    for m in group_members(ctx, slot) {
        let mdn = user_dn(ctx, m);
        rec.text("member", &mdn);
    }
    rec.text("distinguishedName", &dn);
    rec.uint("instanceType", 4);
    rec.time("whenCreated", created);
    rec.time("whenChanged", changed);
    rec.uint("uSNCreated", usn_created);
    rec.uint("uSNChanged", usn_created + r.below(3_000_000));
    rec.text("name", &cn);
    rec.bin("objectGUID", &guid);
    rec.bin("objectSid", &super::domain_sid(slot_rid(ctx, slot)));
    rec.text("sAMAccountName", &cn);
    if domain_local {
        rec.uint("sAMAccountType", 536_870_912);
        rec.int("groupType", -2_147_483_644);
    } else {
        rec.uint("sAMAccountType", 268_435_456);
        rec.int("groupType", -2_147_483_646);
    }
    rec.text("objectCategory", &ctx.object_category_group);
    dscore_propagation(rec, &mut r, created);
    rec.end();
}

const OS: &[(&str, &str)] = &[
    ("Windows 11 Enterprise", "10.0 (22631)"),
    ("Windows 10 Enterprise", "10.0 (19045)"),
    ("Windows Server 2022 Standard", "10.0 (20348)"),
    ("Windows Server 2019 Datacenter", "10.0 (17763)"),
];

fn write_computer<S: AttrSink>(ctx: &Ctx, slot: u64, rec: &mut S) {
    let mut r = Rng::new(ctx.seed ^ 0x5A5A_A5A5_F0F0_0F0F, slot, S_LDIF);
    let name = format!("WS{slot:06}");
    let lower = name.to_ascii_lowercase();
    let dn = format!("CN={name},{}", ctx.computers_ou);
    let created = 1_325_376_000 + r.below(T_NOW - 1_325_376_000);
    let changed = created + r.below(T_NOW - created + 1);
    let usn_created = 16_000 + slot * 3;
    let guid = r.guid();
    let os = r.pick(OS);
    let llt = filetime(T_NOW - r.below(30 * 86_400), r.next_u64());
    rec.begin(&dn);
    for oc in ["top", "person", "organizationalPerson", "user", "computer"] {
        rec.text("objectClass", oc);
    }
    rec.text("cn", &name);
    rec.text("distinguishedName", &dn);
    rec.uint("instanceType", 4);
    rec.time("whenCreated", created);
    rec.time("whenChanged", changed);
    rec.uint("uSNCreated", usn_created);
    rec.uint("uSNChanged", usn_created + r.below(3_000_000));
    rec.text("name", &name);
    rec.bin("objectGUID", &guid);
    rec.uint("userAccountControl", 4096);
    rec.uint("badPwdCount", 0);
    rec.uint("codePage", 0);
    rec.uint("countryCode", 0);
    rec.uint("badPasswordTime", 0);
    rec.uint("lastLogoff", 0);
    rec.uint("lastLogon", llt + r.below(5 * 86_400 * 10_000_000));
    rec.uint("localPolicyFlags", 0);
    rec.uint("pwdLastSet", filetime(changed, r.next_u64()));
    rec.uint("primaryGroupID", 515);
    rec.bin("objectSid", &super::domain_sid(slot_rid(ctx, slot)));
    rec.uint("accountExpires", NEVER_EXPIRES);
    rec.uint("logonCount", r.range(10, 9000));
    rec.fmt("sAMAccountName", format_args!("{name}$"));
    rec.uint("sAMAccountType", 805_306_369);
    rec.text("operatingSystem", os.0);
    rec.text("operatingSystemVersion", os.1);
    rec.fmt("dNSHostName", format_args!("{lower}.{}", ctx.domain));
    rec.fmt(
        "servicePrincipalName",
        format_args!("RestrictedKrbHost/{name}"),
    );
    rec.fmt("servicePrincipalName", format_args!("HOST/{name}"));
    rec.fmt(
        "servicePrincipalName",
        format_args!("RestrictedKrbHost/{lower}.{}", ctx.domain),
    );
    rec.fmt(
        "servicePrincipalName",
        format_args!("HOST/{lower}.{}", ctx.domain),
    );
    rec.text("objectCategory", &ctx.object_category_computer);
    rec.text("isCriticalSystemObject", "FALSE");
    dscore_propagation(rec, &mut r, created);
    rec.uint("lastLogonTimestamp", llt);
    rec.uint("msDS-SupportedEncryptionTypes", 28);
    rec.end();
}

#[cfg(test)]
mod tests {
    use super::super::test_options as opts;
    use super::super::{account, generate, guid_to_string, sid_to_string, OobExclusion};
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::PathBuf;

    fn ldif(o: &GenerateOptions) -> (Vec<u8>, GenerateSummary) {
        let mut v = Vec::new();
        let s = write_onprem_ldif(o, &mut v).unwrap();
        (v, s)
    }

    /// A parsed record: dn, then (attribute, decoded value, was base64) in order.
    struct Rec {
        dn: Vec<u8>,
        dn_b64: bool,
        attrs: Vec<(String, Vec<u8>, bool)>,
    }

    impl Rec {
        fn all(&self, name: &str) -> Vec<&[u8]> {
            self.attrs
                .iter()
                .filter(|a| a.0 == name)
                .map(|a| a.1.as_slice())
                .collect()
        }
        fn one(&self, name: &str) -> Option<&[u8]> {
            let v = self.all(name);
            assert!(v.len() <= 1, "{name} is multi-valued");
            v.first().copied()
        }
        fn text(&self, name: &str) -> Option<String> {
            self.one(name)
                .map(|v| String::from_utf8(v.to_vec()).unwrap())
        }
        fn texts(&self, name: &str) -> Vec<String> {
            self.all(name)
                .iter()
                .map(|v| String::from_utf8(v.to_vec()).unwrap())
                .collect()
        }
        fn is(&self, class: &str) -> bool {
            self.all("objectClass").contains(&class.as_bytes())
        }
    }

    fn unfold(rec: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(rec.len());
        let mut i = 0;
        while i < rec.len() {
            if rec[i..].starts_with(b"\r\n ") {
                i += 3;
            } else {
                out.push(rec[i]);
                i += 1;
            }
        }
        out
    }

    fn parse(data: &[u8]) -> Vec<Rec> {
        let text = std::str::from_utf8(data).expect("output is ASCII");
        assert!(text.ends_with("\r\n\r\n"));
        text[..text.len() - 4]
            .split("\r\n\r\n")
            .map(|raw| {
                let un = unfold(raw.as_bytes());
                let un = String::from_utf8(un).unwrap();
                let mut lines = un.split("\r\n");
                let mut attrs = Vec::new();
                for line in &mut lines {
                    let colon = line.find(':').expect("attr: value");
                    let name = line[..colon].to_string();
                    let rest = &line[colon + 1..];
                    let (val, b64) = if let Some(b) = rest.strip_prefix(": ") {
                        (STANDARD.decode(b).expect("valid base64"), true)
                    } else {
                        (
                            rest.strip_prefix(' ')
                                .expect("space after colon")
                                .as_bytes()
                                .to_vec(),
                            false,
                        )
                    };
                    attrs.push((name, val, b64));
                }
                assert_eq!(attrs[0].0, "dn", "record starts with dn");
                assert_eq!(
                    (attrs[1].0.as_str(), attrs[1].1.as_slice()),
                    ("changetype", &b"add"[..])
                );
                let (_, dn, dn_b64) = attrs.remove(0);
                attrs.remove(0);
                Rec { dn, dn_b64, attrs }
            })
            .collect()
    }

    #[test]
    fn deterministic_per_seed() {
        let (a, sa) = ldif(&opts(300, 7));
        let (b, sb) = ldif(&opts(300, 7));
        assert_eq!(a, b);
        assert_eq!(sa, sb);
        let (c, _) = ldif(&opts(300, 8));
        assert_ne!(a, c);
        // generate() writes the same bytes to disk, twice.
        let dir =
            std::env::temp_dir().join(format!("usertype-audit-gen-test-{}", std::process::id()));
        let s1 = generate(&opts(300, 7), &dir).unwrap();
        let f1 = std::fs::read(dir.join("onprem.ldf")).unwrap();
        let s2 = generate(&opts(300, 7), &dir).unwrap();
        let f2 = std::fs::read(dir.join("onprem.ldf")).unwrap();
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(f1, a);
        assert_eq!(f1, f2);
        assert_eq!(s1, s2);
        assert_eq!(s1.files[0], (dir.join("onprem.ldf"), a.len() as u64));
        assert_eq!(sa.files, vec![(PathBuf::new(), a.len() as u64)]);
    }

    #[test]
    fn accounts_are_pure_functions_of_index() {
        let o = opts(500, 3);
        let fwd: Vec<_> = (0..500).map(|i| account(&o, i)).collect();
        for i in (0..500).rev() {
            assert_eq!(account(&o, i), fwd[i as usize]);
        }
        // Other users counts change nothing but group membership at the tail.
        let big = opts(5000, 3);
        for i in 0..200 {
            assert_eq!(account(&big, i), fwd[i as usize]);
        }
    }

    #[test]
    fn sid_layout() {
        let a = account(&opts(10, 1), 7);
        assert_eq!(a.rid, 1107);
        let expected: [u8; 28] = [
            0x01, 0x05, // revision 1, 5 sub-authorities
            0x00, 0x00, 0x00, 0x00, 0x00, 0x05, // authority 5, big-endian
            0x15, 0x00, 0x00, 0x00, // 21
            0xdc, 0xf4, 0xdc, 0x3b, // 1004336348 = 0x3bdcf4dc, little-endian
            0x83, 0x3d, 0x2b, 0x46, // 1177238915 = 0x462b3d83
            0x82, 0x8b, 0xa6, 0x28, // 682003330 = 0x28a68b82
            0x53, 0x04, 0x00, 0x00, // RID 1107 = 0x453
        ];
        assert_eq!(a.object_sid, expected);
        assert_eq!(
            a.sid_string(),
            "S-1-5-21-1004336348-1177238915-682003330-1107"
        );
        // The worked example of docs/identifiers.md#sid.
        let ex = [
            0x01, 0x05, 0, 0, 0, 0, 0, 5, 0x15, 0, 0, 0, 0xF2, 0xEB, 0xB9, 0x14, 0x93, 0x29, 0x11,
            0x6C, 0x5E, 0x35, 0x28, 0x36, 0x0E, 0x04, 0, 0,
        ];
        assert_eq!(
            sid_to_string(&ex).unwrap(),
            "S-1-5-21-347728882-1813064083-908604766-1038"
        );
        let (data, _) = ldif(&opts(10, 1));
        let text = String::from_utf8(data).unwrap();
        assert!(text.contains("\r\nobjectSid:: AQUAAAAAAAUVAAAA3PTcO4M9K0aCi6YoUwQAAA==\r\n"));
    }

    #[test]
    fn guid_layout() {
        let g = [
            0x88, 0x68, 0x66, 0x88, 0x01, 0x01, 0x11, 0x11, 0xbb, 0xbb, 0x12, 0x34, 0x56, 0x78,
            0x90, 0xab,
        ];
        assert_eq!(guid_to_string(&g), "88666888-0101-1111-bbbb-1234567890ab");
        let o = opts(100, 1);
        for i in 0..100 {
            let a = account(&o, i);
            let s = a.object_guid_string();
            assert_eq!(&s[14..15], "4", "version-4 GUID: {s}");
            if let Some(cg) = a.consistency_guid {
                assert_eq!(cg, a.object_guid);
            }
            assert_eq!(STANDARD.decode(a.immutable_id()).unwrap(), a.object_guid);
        }
    }

    #[test]
    fn lines_crlf_and_folded() {
        let (data, _) = ldif(&opts(1000, 11));
        let mut longest = 0;
        let mut folded = 0;
        for line in data.split(|&b| b == b'\n') {
            if line.is_empty() {
                continue; // after the final CRLF
            }
            assert_eq!(line.last(), Some(&b'\r'), "bare LF");
            let line = &line[..line.len() - 1];
            assert!(!line.contains(&b'\r'), "bare CR");
            longest = longest.max(line.len());
            folded += line.starts_with(b" ") as usize;
            assert!(line.len() <= 77, "line of {} bytes", line.len());
        }
        assert!(longest > 76 && folded > 1000, "long values are folded");
        assert!(!data.starts_with(b"version:"));
    }

    #[test]
    fn fold_round_trip() {
        for len in [1usize, 75, 76, 77, 151, 152, 153, 1000] {
            let line: Vec<u8> = (0..len).map(|i| b"abc :<xyz"[i % 9]).collect();
            let mut out = Vec::new();
            push_folded(&mut out, &line);
            for phys in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                assert!(phys.len() - 1 <= 77);
            }
            let mut un = unfold(&out);
            assert_eq!(un.split_off(un.len() - 2), b"\r\n");
            assert_eq!(un, line, "len {len}");
        }
    }

    #[test]
    fn record_size_about_2kb() {
        let (data, s) = ldif(&opts(1000, 5));
        let per_user = data.len() as f64 / s.users as f64;
        assert!(
            (1500.0..2500.0).contains(&per_user),
            "{per_user} bytes per user"
        );
        let recs = parse(&data);
        let users: Vec<_> = recs
            .iter()
            .filter(|r| r.is("user") && !r.is("computer"))
            .collect();
        let attrs: usize = users
            .iter()
            .map(|r| r.attrs.iter().map(|a| &a.0).collect::<BTreeSet<_>>().len() + 2)
            .sum();
        let avg_attrs = attrs as f64 / users.len() as f64;
        assert!(
            (50.0..70.0).contains(&avg_attrs),
            "{avg_attrs} attributes per user"
        );
    }

    const BINARY: &[&str] = &[
        "objectGUID",
        "objectSid",
        "mS-DS-ConsistencyGuid",
        "thumbnailPhoto",
        "msExchMailboxGuid",
    ];

    #[test]
    fn base64_exactly_when_rfc2849_requires() {
        let (data, _) = ldif(&opts(2000, 9));
        assert!(data.is_ascii(), "every non-ASCII value is base64-encoded");
        let recs = parse(&data);
        let mut non_ascii = BTreeSet::new();
        let mut unsafe_ascii = 0;
        for r in &recs {
            assert_eq!(r.dn_b64, needs_base64(&r.dn));
            if !r.dn.is_ascii() {
                non_ascii.insert("dn".to_string());
            }
            for (name, v, b64) in &r.attrs {
                if BINARY.contains(&name.as_str()) {
                    assert!(*b64, "{name} is binary");
                    continue;
                }
                assert_eq!(
                    *b64,
                    needs_base64(v),
                    "{name}: {:?}",
                    String::from_utf8_lossy(v)
                );
                assert!(std::str::from_utf8(v).is_ok(), "{name} is UTF-8");
                if !v.is_ascii() {
                    non_ascii.insert(name.clone());
                } else if *b64 {
                    unsafe_ascii += 1;
                }
            }
        }
        for name in [
            "dn",
            "cn",
            "name",
            "displayName",
            "distinguishedName",
            "l",
            "member",
        ] {
            assert!(
                non_ascii.contains(name),
                "some non-ASCII {name}: {non_ascii:?}"
            );
        }
        assert!(
            unsafe_ascii > 0,
            "some ASCII values with a leading/trailing space, ':' or '<'"
        );
        // dn:: lines exist.
        assert!(String::from_utf8(data).unwrap().contains("\r\n\r\ndn:: "));
    }

    #[test]
    fn records_match_the_account_model() {
        let o = opts(1000, 21);
        let (data, s) = ldif(&o);
        let recs = parse(&data);
        assert_eq!(recs.len() as u64, s.users + s.non_user_objects);
        assert_eq!(s.non_user_objects, 20);
        let users: Vec<_> = recs
            .iter()
            .filter(|r| r.is("user") && !r.is("computer"))
            .collect();
        assert_eq!(users.len(), 1000);
        let mut partners = 0;
        for (i, r) in users.iter().enumerate() {
            let a = account(&o, i as u64);
            partners += a.is_partner as u64;
            assert_eq!(r.dn, a.dn.as_bytes());
            assert_eq!(r.text("distinguishedName").unwrap(), a.dn);
            assert_eq!(r.text("cn").unwrap(), a.cn);
            assert_eq!(r.text("name").unwrap(), a.cn);
            assert_eq!(r.text("userPrincipalName").unwrap_or_default(), a.upn);
            assert_eq!(r.text("sAMAccountName").unwrap(), a.sam);
            assert_eq!(r.text("displayName"), a.display_name);
            assert_eq!(r.text("givenName"), a.given);
            assert_eq!(r.text("sn"), a.sn);
            assert_eq!(r.text("mail"), a.mail);
            assert_eq!(r.text("description"), a.description);
            assert_eq!(r.text("manager"), a.manager);
            assert_eq!(r.texts("proxyAddresses"), a.proxy_addresses);
            assert_eq!(r.texts("memberOf"), a.member_of);
            assert_eq!(r.one("objectGUID").unwrap(), a.object_guid);
            assert_eq!(r.one("objectSid").unwrap(), a.object_sid.as_slice());
            assert_eq!(
                r.one("mS-DS-ConsistencyGuid"),
                a.consistency_guid.as_ref().map(|g| &g[..])
            );
            assert_eq!(r.one("thumbnailPhoto"), a.thumbnail_photo.as_deref());
            assert_eq!(
                r.text("userAccountControl").unwrap(),
                a.user_account_control.to_string()
            );
            assert_eq!(r.text("extensionAttribute1"), a.extension_attribute1);
            assert_eq!(r.text("employeeType"), a.employee_type);
            assert_eq!(r.text("adminDescription"), a.admin_description);
            assert_eq!(
                r.text("isCriticalSystemObject").is_some(),
                a.is_critical_system_object
            );
            assert_eq!(
                r.text("msExchRecipientTypeDetails"),
                a.msexch_recipient_type_details.map(|v| v.to_string())
            );
            assert_eq!(
                r.texts("objectClass"),
                ["top", "person", "organizationalPerson", "user"]
            );
            assert!(a.member_of.len() <= 6);
            if a.is_partner {
                assert!(a.upn.ends_with("@partners.fabrikam123.org"), "{}", a.upn);
                assert!(a.dn.ends_with(",OU=Partners,OU=External,DC=contoso,DC=com"));
                assert!(matches!(
                    a.employee_type.as_deref(),
                    Some("Contractor" | "Vendor")
                ));
            } else {
                assert!(!a.upn.contains("@partners."));
                assert_ne!(a.extension_attribute1.as_deref(), Some("Guest"));
            }
        }
        assert_eq!(partners, s.partners);
        assert!(
            (120..280).contains(&partners),
            "{partners} partners of 1000"
        );
    }

    #[test]
    fn member_and_member_of_agree() {
        let o = opts(3000, 4);
        let (data, _) = ldif(&o);
        let recs = parse(&data);
        let mut from_groups: BTreeMap<Vec<u8>, BTreeSet<Vec<u8>>> = BTreeMap::new();
        let mut from_users: BTreeMap<Vec<u8>, BTreeSet<Vec<u8>>> = BTreeMap::new();
        let mut groups = 0;
        let mut computers = 0;
        let dns: BTreeSet<&[u8]> = recs.iter().map(|r| r.dn.as_slice()).collect();
        assert_eq!(dns.len(), recs.len(), "DNs are unique");
        for r in &recs {
            if r.is("group") {
                groups += 1;
                assert_eq!(r.all("objectClass"), [&b"top"[..], b"group"]);
                for m in r.all("member") {
                    assert!(dns.contains(m));
                    from_groups
                        .entry(r.dn.clone())
                        .or_default()
                        .insert(m.to_vec());
                }
            } else if r.is("computer") {
                computers += 1;
                assert_eq!(
                    r.texts("objectClass"),
                    ["top", "person", "organizationalPerson", "user", "computer"]
                );
            }
            for g in r.all("memberOf") {
                assert!(dns.contains(g), "memberOf points at an exported group");
                from_users
                    .entry(g.to_vec())
                    .or_default()
                    .insert(r.dn.clone());
            }
        }
        assert_eq!(groups + computers, 60);
        assert!(groups > 10 && computers > 10);
        assert_eq!(from_groups, from_users);
    }

    #[test]
    fn planted_special_accounts() {
        let o = opts(12_000, 2);
        let kinds: Vec<_> = [5u64, 17, 29, 41, 10_012]
            .iter()
            .map(|&i| account(&o, i))
            .collect();
        assert_eq!(
            kinds[0].oob_exclusion,
            Some(OobExclusion::CriticalSystemObject)
        );
        assert!(kinds[0].is_critical_system_object);
        assert!(kinds[1].sam.starts_with("MSOL_"));
        assert_eq!(kinds[1].oob_exclusion, Some(OobExclusion::MsolAccount));
        assert!(kinds[2].sam.starts_with("AAD_"));
        assert!(kinds[3]
            .admin_description
            .as_deref()
            .unwrap()
            .starts_with("User_"));
        assert_eq!(
            kinds[4].oob_exclusion,
            Some(OobExclusion::CriticalSystemObject)
        );
        for a in &kinds {
            assert!(!a.is_partner && a.member_of.is_empty());
        }
        // Ordinary accounts: none excluded, some comma and non-ASCII names.
        let accts: Vec<_> = (0..3000).map(|i| account(&o, i)).collect();
        assert_eq!(
            accts.iter().filter(|a| a.oob_exclusion.is_some()).count(),
            4
        );
        let commas = accts.iter().filter(|a| a.dn.contains("\\, ")).count();
        let non_ascii = accts.iter().filter(|a| !a.cn.is_ascii()).count();
        assert!((10..60).contains(&commas), "{commas}");
        assert!((50..150).contains(&non_ascii), "{non_ascii}");
        let guests = accts
            .iter()
            .filter(|a| a.extension_attribute1.as_deref() == Some("Guest"))
            .count();
        let unmarked = accts
            .iter()
            .filter(|a| a.is_partner && a.extension_attribute1.is_none())
            .count();
        let members = accts
            .iter()
            .filter(|a| a.extension_attribute1.as_deref() == Some("Member"))
            .count();
        assert!(
            guests > 400 && unmarked > 5 && members > 20,
            "{guests} {unmarked} {members}"
        );
        let cg = accts
            .iter()
            .filter(|a| a.consistency_guid.is_some())
            .count();
        assert!((1900..2300).contains(&cg), "{cg} with ConsistencyGuid");
        let photos = accts.iter().filter(|a| a.thumbnail_photo.is_some()).count();
        assert!((30..100).contains(&photos), "{photos} photos");
    }

    #[test]
    fn partner_share_and_domains_are_honoured() {
        let o = GenerateOptions {
            users: 400,
            seed: 1,
            domain: "fabrikam.org".into(),
            partner_domain: "ext.fabrikam.org".into(),
            partner_share: 1.0,
        };
        let (data, s) = ldif(&o);
        assert_eq!(s.partners, 400 - 4); // indices 5, 17, 29, 41 are service/writeback accounts
        let text = String::from_utf8(data).unwrap();
        assert!(text.contains(",OU=Partners,OU=External,DC=fabrikam,DC=org\r\n"));
        assert!(text.contains("@ext.fabrikam.org\r\n"));
        assert!(!text.contains("contoso"));
        let none = write_onprem_ldif(
            &GenerateOptions {
                partner_share: 0.0,
                ..o.clone()
            },
            io::sink(),
        )
        .unwrap();
        assert_eq!(none.partners, 0);
        let empty = write_onprem_ldif(&GenerateOptions { users: 0, ..o }, io::sink()).unwrap();
        assert_eq!(
            (empty.users, empty.non_user_objects, empty.files[0].1),
            (0, 0, 0)
        );
    }

    #[test]
    fn generalized_time() {
        let mut v = Vec::new();
        push_gen_time(&mut v, 1_705_314_600); // 2024-01-15 10:30:00 UTC
        assert_eq!(v, b"20240115103000.0Z");
        v.clear();
        push_gen_time(&mut v, 951_782_400); // 2000-02-29
        assert_eq!(v, b"20000229000000.0Z");
    }
}

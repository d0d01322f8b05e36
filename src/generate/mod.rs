//! `usertype-audit generate`: a deterministic synthetic AD forest.
//!
//! Every account is a pure function of the options and its index
//! ([`account`]), so the on-premises LDIF written here and any later cloud
//! export (CSV, Graph JSON) can describe the *same* accounts, produced in any
//! order or in parallel. All randomness comes from a small splitmix64 PRNG
//! seeded from `(seed, index, stream)`; no global state, no clock.
//!
//! What the forest contains (rates are per user account):
//! * employees under `OU=Employees,OU=Users,<domain DN>`, partners (about
//!   [`GenerateOptions::partner_share`]) under `OU=Partners,OU=External,<domain DN>`
//!   with UPNs `first.last.N@<partner_domain>`, `extensionAttribute1: Guest`
//!   (a few partners have no value; a few employees have `Member`);
//! * about 1% of names with a comma (`CN=Smith\, John 42,...` in DNs), about 3%
//!   with non-ASCII characters (and a few non-ASCII office values);
//! * about 70% with `mS-DS-ConsistencyGuid` (equal to `objectGUID`), about 2%
//!   with a `thumbnailPhoto`;
//! * one non-user object (group or computer) after every 50th user;
//! * a few accounts the out-of-box Entra Connect rules exclude (docs/matching.md),
//!   see [`OobExclusion`]: user indices with `index % 10007` equal to 5
//!   (`isCriticalSystemObject`), 17 (`MSOL_`), 29 (`AAD_`), 41 (`adminDescription: User_...`).
//!
//! [`generate`] writes three on-premises exports of the same forest, in one pass:
//! * [`ONPREM_FILE`] (`onprem.ldf`): Windows `ldifde` LDIF ([`write_onprem_ldif`]);
//! * [`ONPREM_CSVDE_FILE`] (`onprem.csv`): Windows `csvde`, one wide CSV of the
//!   same objects with the same values ([`write_onprem_csvde`]);
//! * [`ONPREM_PS_FILE`] (`onprem-ps.csv`): PowerShell 7
//!   `Get-ADUser -Filter * -Properties * | Export-Csv -NoTypeInformation`, users
//!   only, with the information an Export-Csv loses ([`write_onprem_export_csv`],
//!   [`EXPORT_CSV_LOST`]).
//!
//! and then, in a second pass, three cloud exports of the same tenant (see
//! [`cloud`] for the synced and cloud-only users and the planted
//! disagreements, with their rates):
//! * [`GRAPH_PAGES_FILE`] (`graph-users.json`): Microsoft Graph REST pages,
//!   one page per line ([`write_graph_pages`]);
//! * [`GRAPH_ARRAY_FILE`] (`graph-users-array.json`): PowerShell 7
//!   `Get-MgUser | Select-Object | ConvertTo-Json -Depth 10` ([`write_graph_array`]);
//! * [`GRAPH_CSV_FILE`] (`graph-users.csv`): the admin-center "Download users"
//!   CSV ([`write_admin_center_csv`], [`CSV_LOST`]).
//!
//! and last what a correct audit must find with each rule file of
//! `fixtures/rules/` ([`expected`]: `expected-extension-attribute.csv`,
//! `expected-upn-expression.csv`).

pub mod cloud;
mod csvde;
pub mod expected;
mod ldifde;
mod powershell;

pub use cloud::{
    cloud_only_count, cloud_only_user, cloud_user, write_admin_center_csv, write_graph_array,
    write_graph_pages, PlannedCloudUser, Planted, CSV_LOST,
};
pub use csvde::{write_onprem_csvde, CSVDE_COLUMNS};
pub use ldifde::write_onprem_ldif;
pub use powershell::{write_onprem_export_csv, EXPORT_CSV_COLUMNS, EXPORT_CSV_LOST};

use ldifde::UserExtras;

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// File name of the on-premises LDIF export written by [`generate`].
pub const ONPREM_FILE: &str = "onprem.ldf";
/// File name of the csvde export written by [`generate`].
pub const ONPREM_CSVDE_FILE: &str = "onprem.csv";
/// File name of the `Get-ADUser | Export-Csv` export written by [`generate`].
pub const ONPREM_PS_FILE: &str = "onprem-ps.csv";
/// File name of the Graph REST pages (one per line) written by [`generate`].
pub const GRAPH_PAGES_FILE: &str = "graph-users.json";
/// File name of the `ConvertTo-Json` array of Graph users written by [`generate`].
pub const GRAPH_ARRAY_FILE: &str = "graph-users-array.json";
/// File name of the admin-center "Download users" CSV written by [`generate`].
pub const GRAPH_CSV_FILE: &str = "graph-users.csv";
/// Every file [`generate`] writes into its folder, in writing order.
pub const FILE_NAMES: [&str; 8] = [
    ONPREM_FILE,
    ONPREM_CSVDE_FILE,
    ONPREM_PS_FILE,
    GRAPH_PAGES_FILE,
    GRAPH_ARRAY_FILE,
    GRAPH_CSV_FILE,
    "expected-extension-attribute.csv",
    "expected-upn-expression.csv",
];
/// The largest `--users`: about 100 GB of files at [`BYTES_PER_USER_ESTIMATE`].
pub const MAX_USERS: u64 = 10_000_000;
/// An upper bound of the bytes one user adds to the eight files together
/// (about 9,600 measured at 20,000 users; the unit test keeps it an upper bound).
pub const BYTES_PER_USER_ESTIMATE: u64 = 12_000;

/// The bytes [`generate`] will write for `users`, rounded up (a fixed 1 MiB
/// for headers and the non-user objects' share included).
pub fn estimated_bytes(users: u64) -> u64 {
    users
        .saturating_mul(BYTES_PER_USER_ESTIMATE)
        .saturating_add(1 << 20)
}

/// The files of [`FILE_NAMES`] that already exist in `out_dir` (as a file, a
/// folder or a link, dangling or not).
pub fn existing_files(out_dir: &Path) -> Vec<PathBuf> {
    FILE_NAMES
        .iter()
        .map(|n| out_dir.join(n))
        .filter(|p| fs::symlink_metadata(p).is_ok())
        .collect()
}

/// One non-user object (group or computer) is written after every this many users.
pub const NON_USER_EVERY: u64 = 50;
/// RID of user index 0; user `i` has RID `FIRST_USER_RID + i` (truncated to 32 bits).
/// Non-user slot `k` has RID `FIRST_USER_RID + users + k`.
pub const FIRST_USER_RID: u32 = 1100;
/// The three domain sub-authorities of every SID (`S-1-5-21-A-B-C-RID`).
pub const DOMAIN_SUB_AUTHORITIES: [u32; 3] = [1_004_336_348, 1_177_238_915, 682_003_330];
/// Period of the planted out-of-box-excluded accounts (see [`OobExclusion`]).
pub const EXCLUSION_PERIOD: u64 = 10_007;
/// A user can be a member of groups in slots `floor(i/50) ..= floor(i/50) + GROUP_WINDOW - 1`.
const GROUP_WINDOW: u64 = 6;

/// Options of `usertype-audit generate`.
#[derive(Clone, Debug, PartialEq)]
pub struct GenerateOptions {
    /// Number of user accounts (non-user objects come on top).
    pub users: u64,
    /// PRNG seed; same options give byte-identical output.
    pub seed: u64,
    /// The AD DNS domain (`contoso.com` gives `DC=contoso,DC=com`).
    pub domain: String,
    /// UPN suffix of partner accounts.
    pub partner_domain: String,
    /// Share of users that are partners, 0.0 ..= 1.0.
    pub partner_share: f64,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            users: 1000,
            seed: 1,
            domain: "contoso.com".to_string(),
            partner_domain: "partners.fabrikam123.org".to_string(),
            partner_share: 0.2,
        }
    }
}

/// What was generated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenerateSummary {
    /// Files written with their sizes in bytes. [`write_onprem_ldif`],
    /// [`write_onprem_csvde`] and [`write_onprem_export_csv`] report one entry
    /// with an empty path (they do not know the destination).
    pub files: Vec<(PathBuf, u64)>,
    /// User accounts written (including the planted excluded accounts).
    pub users: u64,
    /// Of those, partner accounts (`is_partner`).
    pub partners: u64,
    /// Groups and computers written.
    pub non_user_objects: u64,
}

/// Why the out-of-box Entra Connect rules would not synchronise an account (docs/matching.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OobExclusion {
    /// `isCriticalSystemObject: TRUE` (an RODC-style `krbtgt_N` account).
    CriticalSystemObject,
    /// `sAMAccountName` starts with `MSOL_` (DirSync/Connect service account).
    MsolAccount,
    /// `sAMAccountName` starts with `AAD_` (Connect service account).
    AadAccount,
    /// `adminDescription` starts with `User_` (created by user writeback).
    UserWriteback,
}

/// One synthetic user account: everything a writer needs to emit it.
///
/// Optional values are `None` when the attribute is absent in AD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntheticAccount {
    /// User index (0-based).
    pub index: u64,
    /// Distinguished name, RDN escaped (`CN=Smith\, John 42,OU=...`).
    pub dn: String,
    /// `cn` / `name` (unescaped RDN value).
    pub cn: String,
    /// `userPrincipalName` (empty: the account has none, [`NO_UPN_RATE`]).
    pub upn: String,
    /// `sAMAccountName`.
    pub sam: String,
    /// `givenName`.
    pub given: Option<String>,
    /// `sn`.
    pub sn: Option<String>,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `description` (a few values start or end with a space, `:` or `<`).
    pub description: Option<String>,
    /// `title`.
    pub title: Option<String>,
    /// `department`.
    pub department: Option<String>,
    /// `company`.
    pub company: Option<String>,
    /// `physicalDeliveryOfficeName`.
    pub office: Option<String>,
    /// `streetAddress`.
    pub street: Option<String>,
    /// `l` (city).
    pub city: Option<String>,
    /// `st`.
    pub state: Option<String>,
    /// `postalCode`.
    pub postal_code: Option<String>,
    /// `c` (ISO 3166 two-letter).
    pub country: Option<String>,
    /// `co` (country name).
    pub country_name: Option<String>,
    /// `countryCode` (ISO 3166 numeric, 0 when unset).
    pub country_code: u32,
    /// `telephoneNumber`.
    pub telephone: Option<String>,
    /// `mobile`.
    pub mobile: Option<String>,
    /// `employeeID`.
    pub employee_id: Option<String>,
    /// `manager` (DN of another generated user).
    pub manager: Option<String>,
    /// `mail`.
    pub mail: Option<String>,
    /// `mailNickname`.
    pub mail_nickname: Option<String>,
    /// `proxyAddresses`: one `SMTP:` primary (= mail) then 0-2 `smtp:` secondaries.
    pub proxy_addresses: Vec<String>,
    /// `msExchRecipientTypeDetails` (1 user mailbox, 2147483648 remote mailbox).
    pub msexch_recipient_type_details: Option<u64>,
    /// `objectGUID` raw bytes (AD mixed-endian layout, random version-4 GUID).
    pub object_guid: [u8; 16],
    /// `mS-DS-ConsistencyGuid` (equal to `object_guid` when present).
    pub consistency_guid: Option<[u8; 16]>,
    /// `objectSid` binary (`S-1-5-21-<DOMAIN_SUB_AUTHORITIES>-<rid>`).
    pub object_sid: Vec<u8>,
    /// The RID (last sub-authority).
    pub rid: u32,
    /// `userAccountControl` (512, 514 disabled, 66048 password never expires).
    pub user_account_control: u32,
    /// `extensionAttribute1` (`Guest` for most partners, `Member` for a few employees).
    pub extension_attribute1: Option<String>,
    /// `employeeType` (`Employee`, `Contractor`, `Vendor`).
    pub employee_type: Option<String>,
    /// `memberOf` group DNs (0-6), all of them groups present in the same export.
    pub member_of: Vec<String>,
    /// Partner account (under the partner OU with a partner-domain UPN).
    pub is_partner: bool,
    /// `adminDescription` (`User_<objectId>` for writeback accounts).
    pub admin_description: Option<String>,
    /// `isCriticalSystemObject: TRUE`.
    pub is_critical_system_object: bool,
    /// Why the out-of-box rules would skip this account, if they would.
    pub oob_exclusion: Option<OobExclusion>,
    /// The index of the account whose anchor this one repeats in its
    /// `mS-DS-ConsistencyGuid` (a restored or copied account,
    /// [`DUPLICATE_ANCHOR_RATE`]).
    pub duplicate_anchor_of: Option<u64>,
    /// `whenCreated`, Unix seconds.
    pub when_created: u64,
    /// `whenChanged`, Unix seconds.
    pub when_changed: u64,
    /// `pwdLastSet`, Windows FILETIME.
    pub pwd_last_set: u64,
    /// `lastLogonTimestamp`, Windows FILETIME.
    pub last_logon_timestamp: Option<u64>,
    /// `accountExpires` FILETIME (`9223372036854775807` = never).
    pub account_expires: u64,
    /// `thumbnailPhoto` (a few hundred bytes, JPEG-like header).
    pub thumbnail_photo: Option<Vec<u8>>,
}

impl SyntheticAccount {
    /// Whether the account is enabled (`userAccountControl` bit 2 clear).
    pub fn account_enabled(&self) -> bool {
        self.user_account_control & 2 == 0
    }

    /// The sourceAnchor bytes Entra Connect uses: ConsistencyGuid if present, else objectGUID.
    pub fn source_anchor(&self) -> [u8; 16] {
        self.consistency_guid.unwrap_or(self.object_guid)
    }

    /// The cloud `onPremisesImmutableId`: base64 of [`Self::source_anchor`].
    pub fn immutable_id(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(self.source_anchor())
    }

    /// `objectGUID` in string form (`xxxxxxxx-xxxx-...`).
    pub fn object_guid_string(&self) -> String {
        guid_to_string(&self.object_guid)
    }

    /// `objectSid` in string form (`S-1-5-21-...`).
    pub fn sid_string(&self) -> String {
        sid_to_string(&self.object_sid).unwrap_or_default()
    }
}

/// Writes [`ONPREM_FILE`], [`ONPREM_CSVDE_FILE`] and [`ONPREM_PS_FILE`] into
/// `out_dir` (created if missing), from one pass over the accounts, then
/// [`GRAPH_PAGES_FILE`], [`GRAPH_ARRAY_FILE`] and [`GRAPH_CSV_FILE`] from a
/// second pass. Deterministic: same options => byte-identical files. `files`
/// of the summary lists the six paths, in that order, with their sizes.
pub fn generate(opts: &GenerateOptions, out_dir: &Path) -> io::Result<GenerateSummary> {
    fs::create_dir_all(out_dir)?;
    let names = [ONPREM_FILE, ONPREM_CSVDE_FILE, ONPREM_PS_FILE];
    let paths: Vec<PathBuf> = names.iter().map(|n| out_dir.join(n)).collect();
    let open = |p: &PathBuf| -> io::Result<BufWriter<File>> {
        Ok(BufWriter::with_capacity(1 << 20, File::create(p)?))
    };
    let mut ldif = ldifde::LdifWriter::new(open(&paths[0])?);
    let mut csv = csvde::CsvdeWriter::new(open(&paths[1])?);
    let mut ps = powershell::ExportCsvWriter::new(open(&paths[2])?);
    let mut summary = drive(opts, &mut [&mut ldif, &mut csv, &mut ps])?;
    for (slot, path) in summary.files.iter_mut().zip(paths) {
        slot.0 = path;
    }
    let cloud_paths: Vec<PathBuf> = [GRAPH_PAGES_FILE, GRAPH_ARRAY_FILE, GRAPH_CSV_FILE]
        .iter()
        .map(|n| out_dir.join(n))
        .collect();
    let sizes = cloud::write_cloud(
        opts,
        open(&cloud_paths[0])?,
        open(&cloud_paths[1])?,
        open(&cloud_paths[2])?,
    )?;
    summary.files.extend(cloud_paths.into_iter().zip(sizes));
    for path in expected::write_expected(opts, out_dir)? {
        let size = fs::metadata(&path)?.len();
        summary.files.push((path, size));
    }
    Ok(summary)
}

/// Default options with `users` and `seed`, for the writers' tests.
#[cfg(test)]
pub(crate) fn test_options(users: u64, seed: u64) -> GenerateOptions {
    GenerateOptions {
        users,
        seed,
        ..GenerateOptions::default()
    }
}

/// A destination that takes finished records in batches of about
/// [`ldifde::BATCH`] bytes and counts what it wrote (shared by the writers).
pub(crate) struct BatchedOut<W: Write> {
    out: W,
    bytes: u64,
}

impl<W: Write> BatchedOut<W> {
    pub(crate) fn new(out: W) -> Self {
        BatchedOut { out, bytes: 0 }
    }

    /// Writes `buf` out and empties it once it holds at least `min` bytes.
    pub(crate) fn spill(&mut self, buf: &mut Vec<u8>, min: usize) -> io::Result<()> {
        if buf.len() >= min {
            self.out.write_all(buf)?;
            self.bytes += buf.len() as u64;
            buf.clear();
        }
        Ok(())
    }

    /// Writes what is left, flushes, and returns the bytes written in all.
    pub(crate) fn finish(&mut self, buf: &mut Vec<u8>) -> io::Result<u64> {
        self.spill(buf, 0)?;
        self.out.flush()?;
        Ok(self.bytes)
    }
}

/// One output format fed by [`drive`].
pub(crate) trait ExportWriter {
    /// User account `a` (with its format-independent extra values `x`).
    fn user(&mut self, ctx: &Ctx, a: &SyntheticAccount, x: &UserExtras) -> io::Result<()>;
    /// Non-user slot `slot` (a group or a computer).
    fn non_user(&mut self, ctx: &Ctx, slot: u64) -> io::Result<()>;
    /// Write out what is buffered, flush, and return the bytes written in all.
    fn finish(&mut self) -> io::Result<u64>;
}

/// One pass over all objects in export order (user 0, ..., user 49, non-user
/// slot 0, user 50, ...), each handed to every writer. The summary has one
/// `files` entry per writer, with an empty path and the bytes it wrote.
pub(crate) fn drive(
    opts: &GenerateOptions,
    writers: &mut [&mut dyn ExportWriter],
) -> io::Result<GenerateSummary> {
    let ctx = Ctx::new(opts);
    let mut partners = 0u64;
    let mut non_user = 0u64;
    for i in 0..opts.users {
        let a = account_in(&ctx, i);
        let x = UserExtras::new(&ctx, &a);
        partners += a.is_partner as u64;
        for w in writers.iter_mut() {
            w.user(&ctx, &a, &x)?;
        }
        if (i + 1) % NON_USER_EVERY == 0 {
            let slot = (i + 1) / NON_USER_EVERY - 1;
            for w in writers.iter_mut() {
                w.non_user(&ctx, slot)?;
            }
            non_user += 1;
        }
    }
    let mut files = Vec::with_capacity(writers.len());
    for w in writers.iter_mut() {
        files.push((PathBuf::new(), w.finish()?));
    }
    Ok(GenerateSummary {
        files,
        users: opts.users,
        partners,
        non_user_objects: non_user,
    })
}

/// The synthetic user account `index` (0-based). A pure function of the options
/// and the index. `member_of` also depends on `opts.users` (groups exist only for
/// complete blocks of 50 users), everything else only on seed, domains, share and index.
pub fn account(opts: &GenerateOptions, index: u64) -> SyntheticAccount {
    account_in(&Ctx::new(opts), index)
}

/// Raw AD bytes of a GUID to its string form.
pub fn guid_to_string(g: &[u8; 16]) -> String {
    format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]
    )
}

/// Binary SID to `S-1-...`; `None` if malformed.
pub fn sid_to_string(b: &[u8]) -> Option<String> {
    if b.len() < 8 || b[0] != 1 {
        return None;
    }
    let n = b[1] as usize;
    if b.len() != 8 + 4 * n {
        return None;
    }
    let auth = b[2..8].iter().fold(0u64, |a, &x| (a << 8) | x as u64);
    let mut s = if auth < (1 << 32) {
        format!("S-1-{auth}")
    } else {
        format!("S-1-0x{auth:012X}")
    };
    for i in 0..n {
        let o = 8 + 4 * i;
        let v = u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        s.push('-');
        s.push_str(&v.to_string());
    }
    Some(s)
}

/// Binary `objectSid` of the domain with the given RID (the layout in docs/identifiers.md#sid).
pub fn domain_sid(rid: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity(28);
    v.extend_from_slice(&[1, 5, 0, 0, 0, 0, 0, 5]);
    v.extend_from_slice(&21u32.to_le_bytes());
    for s in DOMAIN_SUB_AUTHORITIES {
        v.extend_from_slice(&s.to_le_bytes());
    }
    v.extend_from_slice(&rid.to_le_bytes());
    v
}

// ---------------------------------------------------------------------------
// PRNG

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// splitmix64, seeded from (seed, index, stream).
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    s: u64,
}

// Independent streams per purpose, so adding draws to one never shifts another.
const S_IDENTITY: u64 = 1;
const S_ACCOUNT: u64 = 2;
const S_LDIF: u64 = 3;
const S_SLOT: u64 = 4;
const S_MEMBER: u64 = 5;
const S_SPECIAL: u64 = 6;
const S_NO_UPN: u64 = 7;
const S_DUPLICATE: u64 = 8;

/// Share of in-scope employees without `userPrincipalName` (the Learn sample
/// expression raises `Error()` for them).
pub const NO_UPN_RATE: f64 = 0.002;
/// Share of in-scope accounts whose `mS-DS-ConsistencyGuid` repeats the
/// anchor of the account before them (a restored or copied object).
pub const DUPLICATE_ANCHOR_RATE: f64 = 0.002;
/// The `extensionAttribute1` values of partners that are not exactly
/// `Guest` (a Direct flow passes them raw: `invalid_user_type`).
pub const INVALID_MARKERS: &[&str] = &["guest", "Guest ", "External"];

impl Rng {
    pub(crate) fn new(seed: u64, index: u64, stream: u64) -> Rng {
        let a = mix64(stream.wrapping_mul(GOLDEN) ^ 0x5851_F42D_4C95_7F2D);
        let b = mix64(index.wrapping_add(a));
        Rng {
            s: mix64(seed ^ b.rotate_left(17)) ^ b,
        }
    }

    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.s = self.s.wrapping_add(GOLDEN);
        mix64(self.s)
    }

    /// Uniform in `0..n` (`n > 0`).
    #[inline]
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    #[inline]
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    #[inline]
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    #[inline]
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    #[inline]
    pub(crate) fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    pub(crate) fn fill(&mut self, buf: &mut [u8]) {
        for c in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            c.copy_from_slice(&v[..c.len()]);
        }
    }

    pub(crate) fn guid(&mut self) -> [u8; 16] {
        let mut g = [0u8; 16];
        self.fill(&mut g);
        g[7] = (g[7] & 0x0F) | 0x40; // version 4 (time_hi_and_version is little-endian)
        g[8] = (g[8] & 0x3F) | 0x80; // RFC 4122 variant
        g
    }
}

// ---------------------------------------------------------------------------
// Context shared by all accounts of one run

/// Per-run constants derived from the options.
pub(crate) struct Ctx {
    pub seed: u64,
    pub users: u64,
    pub domain: String,
    pub partner_domain: String,
    pub partner_share: f64,
    /// `contoso`
    pub tenant: String,
    /// `Contoso`
    pub org: String,
    pub employees_ou: String,
    pub partners_ou: String,
    pub users_cn: String,
    pub writeback_ou: String,
    pub groups_ou: String,
    pub computers_ou: String,
    pub object_category_person: String,
    pub object_category_group: String,
    pub object_category_computer: String,
}

impl Ctx {
    pub(crate) fn new(opts: &GenerateOptions) -> Ctx {
        let domain = if opts.domain.trim().is_empty() {
            "contoso.com".to_string()
        } else {
            opts.domain.trim().to_ascii_lowercase()
        };
        let partner_domain = if opts.partner_domain.trim().is_empty() {
            format!("partners.{domain}")
        } else {
            opts.partner_domain.trim().to_ascii_lowercase()
        };
        let dcs = domain
            .split('.')
            .filter(|l| !l.is_empty())
            .map(|l| format!("DC={}", escape_rdn_value(l)))
            .collect::<Vec<_>>()
            .join(",");
        let tenant = domain.split('.').next().unwrap_or("contoso").to_string();
        let mut org = tenant.clone();
        if let Some(f) = org.get_mut(0..1) {
            f.make_ascii_uppercase();
        }
        let share = if opts.partner_share.is_finite() {
            opts.partner_share.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let config = format!("CN=Configuration,{dcs}");
        Ctx {
            seed: opts.seed,
            users: opts.users,
            partner_domain,
            partner_share: share,
            employees_ou: format!("OU=Employees,OU=Users,{dcs}"),
            partners_ou: format!("OU=Partners,OU=External,{dcs}"),
            users_cn: format!("CN=Users,{dcs}"),
            writeback_ou: format!("OU=Cloud Users,OU=Users,{dcs}"),
            groups_ou: format!("OU=Groups,{dcs}"),
            computers_ou: format!("OU=Workstations,OU=Computers,{dcs}"),
            object_category_person: format!("CN=Person,CN=Schema,{config}"),
            object_category_group: format!("CN=Group,CN=Schema,{config}"),
            object_category_computer: format!("CN=Computer,CN=Schema,{config}"),
            domain,
            tenant,
            org,
        }
    }

    /// Number of non-user slots (one after every complete block of 50 users).
    pub(crate) fn slots(&self) -> u64 {
        self.users / NON_USER_EVERY
    }
}

/// Escape an RDN attribute value (RFC 4514).
pub(crate) fn escape_rdn_value(v: &str) -> String {
    crate::model::dn::escape_value(v)
}

// ---------------------------------------------------------------------------
// Built-in name lists

const GIVEN: &[&str] = &[
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Daniel",
    "Nancy",
    "Matthew",
    "Lisa",
    "Anthony",
    "Betty",
    "Mark",
    "Sandra",
    "Steven",
    "Ashley",
    "Paul",
    "Emily",
    "Andrew",
    "Donna",
    "Joshua",
    "Michelle",
    "Kevin",
    "Carol",
    "Brian",
    "Amanda",
    "George",
    "Melissa",
    "Oliver",
    "Hannah",
    "Lukas",
    "Sofia",
    "Noah",
    "Emma",
];
const SURNAME: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Hill",
    "Green",
    "Adams",
    "Baker",
    "Nelson",
    "Carter",
    "Mitchell",
    "Roberts",
    "Turner",
    "Phillips",
    "Campbell",
    "Parker",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Morris",
    "Murphy",
    "Cook",
    "Rogers",
    "Morgan",
    "Cooper",
    "Peterson",
    "Reed",
    "Bailey",
    "Bell",
    "Kelly",
    "Howard",
    "Ward",
    "Cox",
    "Richardson",
    "Wood",
    "Watson",
    "Brooks",
    "Bennett",
    "Gray",
    "Hughes",
    "Schmidt",
    "Weber",
];
/// (display form, ASCII form used in UPN/sAMAccountName/mail).
const GIVEN_NON_ASCII: &[(&str, &str)] = &[
    ("José", "jose"),
    ("Zoë", "zoe"),
    ("Jörg", "joerg"),
    ("Renée", "renee"),
    ("François", "francois"),
    ("Łukasz", "lukasz"),
    ("Søren", "soeren"),
    ("Björn", "bjoern"),
    ("Małgorzata", "malgorzata"),
    ("Dženan", "dzenan"),
    ("太郎", "taro"),
    ("花子", "hanako"),
];
const SURNAME_NON_ASCII: &[(&str, &str)] = &[
    ("Ströder", "stroeder"),
    ("Müller", "mueller"),
    ("García", "garcia"),
    ("Núñez", "nunez"),
    ("日本", "nihon"),
    ("山田", "yamada"),
    ("Dvořák", "dvorak"),
    ("Øster", "oester"),
    ("Čapek", "capek"),
    ("Šimić", "simic"),
    ("Lindén", "linden"),
    ("Gonçalves", "goncalves"),
];

const TITLES: &[&str] = &[
    "Software Engineer",
    "Senior Software Engineer",
    "Account Manager",
    "Sales Representative",
    "Financial Analyst",
    "HR Generalist",
    "Marketing Specialist",
    "Project Manager",
    "Support Engineer",
    "Program Manager",
    "Accountant",
    "Systems Administrator",
    "Business Analyst",
    "Team Lead",
    "Director",
    "Office Manager",
    "Legal Counsel",
    "Data Scientist",
    "Product Manager",
    "Recruiter",
];
const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Sales",
    "Finance",
    "Human Resources",
    "Marketing",
    "IT",
    "Operations",
    "Legal",
    "Customer Support",
    "Research",
    "Procurement",
    "Facilities",
];
const PARTNER_COMPANIES: &[&str] = &[
    "Fabrikam, Inc.",
    "Northwind Traders",
    "Adventure Works",
    "Tailspin Toys",
    "Litware, Inc.",
    "Woodgrove Bank",
    "Wide World Importers",
    "Proseware, Inc.",
];
const PARTNER_TITLES: &[&str] = &[
    "Consultant",
    "Contractor",
    "Vendor Engineer",
    "External Auditor",
    "Implementation Partner",
    "Support Contractor",
];

/// An office: (name, street, city, state, postal code, c, co, countryCode, phone prefix, weight).
type Office = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u32,
    &'static str,
    u32,
);
const OFFICES: &[Office] = &[
    (
        "Redmond HQ",
        "1 Microsoft Way",
        "Redmond",
        "WA",
        "98052",
        "US",
        "United States",
        840,
        "+1 425 555 ",
        300,
    ),
    (
        "Seattle",
        "400 Pine Street, Suite 1200",
        "Seattle",
        "WA",
        "98101",
        "US",
        "United States",
        840,
        "+1 206 555 ",
        120,
    ),
    (
        "New York",
        "11 Times Square",
        "New York",
        "NY",
        "10036",
        "US",
        "United States",
        840,
        "+1 212 555 ",
        120,
    ),
    (
        "Chicago",
        "200 East Randolph Street",
        "Chicago",
        "IL",
        "60601",
        "US",
        "United States",
        840,
        "+1 312 555 ",
        80,
    ),
    (
        "London",
        "2 Kingdom Street",
        "London",
        "",
        "W2 6BD",
        "GB",
        "United Kingdom",
        826,
        "+44 20 7946 ",
        120,
    ),
    (
        "Dublin",
        "One Microsoft Place, South County Business Park",
        "Dublin",
        "",
        "D18 P521",
        "IE",
        "Ireland",
        372,
        "+353 1 555 ",
        80,
    ),
    (
        "Tokyo",
        "Shinagawa Grand Central Tower, 2-16-3 Konan",
        "Tokyo",
        "",
        "108-0075",
        "JP",
        "Japan",
        392,
        "+81 3 5555 ",
        60,
    ),
    (
        "Sydney",
        "1 Denison Street",
        "North Sydney",
        "NSW",
        "2060",
        "AU",
        "Australia",
        36,
        "+61 2 5555 ",
        60,
    ),
    // Offices whose values are not ASCII (base64 in the export).
    (
        "München",
        "Walter-Gropius-Straße 5",
        "München",
        "BY",
        "80807",
        "DE",
        "Germany",
        276,
        "+49 89 3176 ",
        15,
    ),
    (
        "Zürich",
        "Europaallee 39",
        "Zürich",
        "ZH",
        "8004",
        "CH",
        "Switzerland",
        756,
        "+41 44 555 ",
        10,
    ),
    (
        "São Paulo",
        "Av. Presidente Juscelino Kubitschek, 2041",
        "São Paulo",
        "SP",
        "04543-011",
        "BR",
        "Brazil",
        76,
        "+55 11 5555 ",
        10,
    ),
];

// ---------------------------------------------------------------------------
// Accounts

/// The part of an account other accounts need (for `manager` and group `member` DNs).
pub(crate) struct Identity {
    pub given: &'static str,
    pub given_ascii: String,
    pub sn: &'static str,
    pub sn_ascii: String,
    pub comma: bool,
    pub partner: bool,
    pub special: Option<OobExclusion>,
}

pub(crate) fn special_kind(index: u64) -> Option<OobExclusion> {
    match index % EXCLUSION_PERIOD {
        5 => Some(OobExclusion::CriticalSystemObject),
        17 => Some(OobExclusion::MsolAccount),
        29 => Some(OobExclusion::AadAccount),
        41 => Some(OobExclusion::UserWriteback),
        _ => None,
    }
}

pub(crate) fn identity(ctx: &Ctx, index: u64) -> Identity {
    let mut r = Rng::new(ctx.seed, index, S_IDENTITY);
    let non_ascii = r.chance(0.03);
    let mode = r.below(3);
    let comma = r.chance(0.01);
    let partner_draw = r.unit();
    let (g_plain, s_plain) = (*r.pick(GIVEN), *r.pick(SURNAME));
    let (g_na, s_na) = (*r.pick(GIVEN_NON_ASCII), *r.pick(SURNAME_NON_ASCII));
    let special = special_kind(index);
    let partner = special.is_none() && partner_draw < ctx.partner_share;
    let (given, given_ascii) = if non_ascii && mode != 1 {
        g_na
    } else {
        (g_plain, g_plain)
    };
    let (sn, sn_ascii) = if non_ascii && mode != 0 {
        s_na
    } else {
        (s_plain, s_plain)
    };
    Identity {
        given,
        given_ascii: given_ascii.to_ascii_lowercase(),
        sn,
        sn_ascii: sn_ascii.to_ascii_lowercase(),
        comma,
        partner,
        special,
    }
}

fn special_suffix(ctx: &Ctx, index: u64) -> String {
    let mut r = Rng::new(ctx.seed, index, S_SPECIAL);
    format!("{:012x}", r.next_u64() >> 16)
}

/// (cn, container DN) of a user.
pub(crate) fn user_cn(ctx: &Ctx, index: u64, id: &Identity) -> (String, &'static str) {
    match id.special {
        Some(OobExclusion::CriticalSystemObject) => (format!("krbtgt_{index}"), "users"),
        Some(OobExclusion::MsolAccount) => {
            (format!("MSOL_{}", special_suffix(ctx, index)), "users")
        }
        Some(OobExclusion::AadAccount) => (format!("AAD_{}", special_suffix(ctx, index)), "users"),
        Some(OobExclusion::UserWriteback) => {
            (format!("{} {} {index}", id.given, id.sn), "writeback")
        }
        None if id.comma => (format!("{}, {} {index}", id.sn, id.given), ou_key(id)),
        None => (format!("{} {} {index}", id.given, id.sn), ou_key(id)),
    }
}

fn ou_key(id: &Identity) -> &'static str {
    if id.partner {
        "partners"
    } else {
        "employees"
    }
}

fn container<'a>(ctx: &'a Ctx, key: &str) -> &'a str {
    match key {
        "users" => &ctx.users_cn,
        "writeback" => &ctx.writeback_ou,
        "partners" => &ctx.partners_ou,
        _ => &ctx.employees_ou,
    }
}

pub(crate) fn user_dn(ctx: &Ctx, index: u64) -> String {
    let id = identity(ctx, index);
    let (cn, key) = user_cn(ctx, index, &id);
    format!("CN={},{}", escape_rdn_value(&cn), container(ctx, key))
}

/// Whether non-user slot `k` is a group (else a computer).
pub(crate) fn slot_is_group(ctx: &Ctx, slot: u64) -> bool {
    Rng::new(ctx.seed, slot, S_SLOT).unit() < 0.6
}

/// Membership probability of group slot `k` (varies per group).
fn group_density(ctx: &Ctx, slot: u64) -> f64 {
    let mut r = Rng::new(ctx.seed, slot, S_SLOT);
    r.next_u64();
    0.03 + 0.5 * r.unit() * r.unit().sqrt()
}

/// Whether user `index` is a member of group slot `slot` (both sides use this).
pub(crate) fn is_member(ctx: &Ctx, index: u64, slot: u64) -> bool {
    if slot >= ctx.slots() || !slot_is_group(ctx, slot) || special_kind(index).is_some() {
        return false;
    }
    let first = index / NON_USER_EVERY;
    if slot < first || slot >= first + GROUP_WINDOW {
        return false;
    }
    let h = Rng::new(ctx.seed ^ slot.wrapping_mul(GOLDEN), index, S_MEMBER).unit();
    h < group_density(ctx, slot)
}

/// User indices that are members of group slot `slot`, ascending.
pub(crate) fn group_members(ctx: &Ctx, slot: u64) -> impl Iterator<Item = u64> + '_ {
    let lo = (slot + 1).saturating_sub(GROUP_WINDOW) * NON_USER_EVERY;
    let hi = (slot + 1) * NON_USER_EVERY;
    (lo..hi.min(ctx.users)).filter(move |&i| is_member(ctx, i, slot))
}

pub(crate) const GROUP_PURPOSES: &[&str] = &[
    "Readers",
    "Editors",
    "Owners",
    "Project-Atlas",
    "Project-Orion",
    "VPN-Users",
    "Print",
    "SharePoint-Members",
    "Teams-Guests",
    "License-E3",
    "License-E5",
    "FileShare-RW",
];

/// (cn, sAMAccountName-friendly) of group slot `k`.
pub(crate) fn group_cn(ctx: &Ctx, slot: u64) -> String {
    let mut r = Rng::new(ctx.seed, slot, S_SLOT);
    r.next_u64();
    r.next_u64();
    r.next_u64();
    let dept = r.pick(DEPARTMENTS).replace(' ', "");
    let purpose = r.pick(GROUP_PURPOSES);
    format!("GRP-{dept}-{purpose}-{slot}")
}

pub(crate) fn group_dn(ctx: &Ctx, slot: u64) -> String {
    format!("CN={},{}", group_cn(ctx, slot), ctx.groups_ou)
}

// Dates: Unix seconds.
const T_2012: u64 = 1_325_376_000; // 2012-01-01
const T_2024_07: u64 = 1_719_792_000; // 2024-07-01
const T_NOW: u64 = 1_736_899_200; // 2025-01-15, the synthetic "export time"
pub(crate) const NEVER_EXPIRES: u64 = 9_223_372_036_854_775_807;

/// Unix seconds to Windows FILETIME (100 ns since 1601).
pub(crate) fn filetime(unix: u64, sub: u64) -> u64 {
    (unix + 11_644_473_600) * 10_000_000 + sub % 10_000_000
}

pub(crate) fn account_in(ctx: &Ctx, index: u64) -> SyntheticAccount {
    let id = identity(ctx, index);
    let mut r = Rng::new(ctx.seed, index, S_ACCOUNT);
    let (cn, key) = user_cn(ctx, index, &id);
    let dn = format!("CN={},{}", escape_rdn_value(&cn), container(ctx, key));
    let rid = (FIRST_USER_RID as u64).wrapping_add(index) as u32;
    let object_guid = r.guid();
    let with_consistency = r.chance(0.7);
    let consistency_guid = with_consistency.then_some(object_guid);
    let when_created = r.range(T_2012, T_2024_07);
    let when_changed = r.range(when_created, T_NOW);
    let pwd_last_set = filetime(r.range(when_created, when_changed), r.next_u64());
    let last_logon_timestamp = r
        .chance(0.85)
        .then(|| filetime(T_NOW - r.below(60 * 86_400), r.next_u64()));
    let thumbnail = r.chance(0.02).then(|| {
        let n = r.range(200, 900) as usize;
        let mut v = vec![0u8; n];
        r.fill(&mut v);
        v[..4].copy_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
        v
    });
    let uac_draw = r.unit();
    let office = {
        let total: u64 = OFFICES.iter().map(|o| o.9 as u64).sum();
        let mut x = r.below(total);
        let mut chosen = &OFFICES[0];
        for o in OFFICES {
            if x < o.9 as u64 {
                chosen = o;
                break;
            }
            x -= o.9 as u64;
        }
        chosen
    };
    let phone = format!("{}{:04}", office.8, r.below(10_000));
    let mobile = r
        .chance(0.5)
        .then(|| format!("{}{:04}", office.8, r.below(10_000)));
    let title_e = *r.pick(TITLES);
    let title_p = *r.pick(PARTNER_TITLES);
    let dept = *r.pick(DEPARTMENTS);
    let partner_company = *r.pick(PARTNER_COMPANIES);
    let desc_variant = r.below(1000);
    let ext_draw = r.unit();
    let etype_draw = r.unit();
    let rtd_draw = r.unit();
    let secondary1 = r.chance(0.6);
    let secondary2 = r.chance(0.3);
    let employee_id = r.range(100_000, 999_999);
    let manager_draw = r.unit();
    let manager_idx = if index > 0 {
        r.below(index.min(5000))
    } else {
        0
    };
    let expires_days = r.range(30, 720);
    let writeback_oid = r.guid();

    let n = index;
    let local = format!("{}.{}.{n}", id.given_ascii, id.sn_ascii);
    let mut sam_last: String = id
        .sn_ascii
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let digits = n.to_string();
    let room = 20usize.saturating_sub(1 + digits.len());
    sam_last.truncate(room.min(12));
    let person_sam = format!("{}{}{}", &id.given_ascii[..1], sam_last, digits);

    let mut a = SyntheticAccount {
        index,
        dn,
        cn: cn.clone(),
        upn: String::new(),
        sam: person_sam,
        given: Some(id.given.to_string()),
        sn: Some(id.sn.to_string()),
        display_name: Some(if id.comma {
            format!("{}, {}", id.sn, id.given)
        } else {
            format!("{} {}", id.given, id.sn)
        }),
        description: None,
        title: Some(title_e.to_string()),
        department: Some(dept.to_string()),
        company: Some(format!("{} Ltd.", ctx.org)),
        office: Some(office.0.to_string()),
        street: Some(office.1.to_string()),
        city: Some(office.2.to_string()),
        state: (!office.3.is_empty()).then(|| office.3.to_string()),
        postal_code: Some(office.4.to_string()),
        country: Some(office.5.to_string()),
        country_name: Some(office.6.to_string()),
        country_code: office.7,
        telephone: Some(phone),
        mobile,
        employee_id: Some(format!("E{employee_id}")),
        manager: None,
        mail: None,
        mail_nickname: None,
        proxy_addresses: Vec::new(),
        msexch_recipient_type_details: None,
        object_guid,
        consistency_guid,
        object_sid: domain_sid(rid),
        rid,
        user_account_control: if uac_draw < 0.85 {
            512
        } else if uac_draw < 0.93 {
            66048
        } else {
            514
        },
        extension_attribute1: None,
        employee_type: None,
        member_of: Vec::new(),
        is_partner: id.partner,
        admin_description: None,
        is_critical_system_object: false,
        oob_exclusion: id.special,
        duplicate_anchor_of: None,
        when_created,
        when_changed,
        pwd_last_set,
        last_logon_timestamp,
        account_expires: NEVER_EXPIRES,
        thumbnail_photo: thumbnail,
    };

    // Mail, UPN, classification.
    let suffix = if id.partner {
        &ctx.partner_domain
    } else {
        &ctx.domain
    };
    a.upn = format!("{local}@{suffix}");
    a.mail = Some(a.upn.clone());
    a.mail_nickname = Some(local.clone());
    a.proxy_addresses.push(format!("SMTP:{}", a.upn));
    if secondary1 {
        a.proxy_addresses
            .push(format!("smtp:{local}@{}.mail.onmicrosoft.com", ctx.tenant));
    }
    if secondary2 {
        a.proxy_addresses
            .push(format!("smtp:{}@{}", a.sam.to_ascii_lowercase(), suffix));
    }
    if id.partner {
        a.title = Some(title_p.to_string());
        a.department = Some("External".to_string());
        a.company = Some(partner_company.to_string());
        a.employee_id = None;
        a.employee_type = Some(
            if etype_draw < 0.6 {
                "Contractor"
            } else {
                "Vendor"
            }
            .to_string(),
        );
        a.extension_attribute1 = if ext_draw < 0.95 {
            Some("Guest".to_string())
        } else if ext_draw < 0.98 {
            let k = ((ext_draw - 0.95) / 0.01) as usize;
            Some(INVALID_MARKERS[k.min(INVALID_MARKERS.len() - 1)].to_string())
        } else {
            None
        };
        a.msexch_recipient_type_details = (rtd_draw < 0.3).then_some(2_147_483_648);
        if expires_days < 300 {
            a.account_expires = filetime(T_NOW + expires_days * 86_400, 0);
        }
        a.description = Some(format!("Partner account - {partner_company}"));
    } else {
        a.employee_type = (etype_draw < 0.9).then(|| "Employee".to_string());
        a.extension_attribute1 = (ext_draw < 0.97).then(|| "Member".to_string());
        a.msexch_recipient_type_details = if rtd_draw < 0.5 {
            Some(1)
        } else if rtd_draw < 0.9 {
            Some(2_147_483_648)
        } else {
            None
        };
        a.description = Some(format!("{title_e}, {dept}"));
        if manager_draw < 0.75 && index > 0 {
            let m = index - 1 - manager_idx.min(index - 1);
            let mid = identity(ctx, m);
            if !mid.partner && mid.special.is_none() {
                a.manager = Some(user_dn(ctx, m));
            }
        }
    }
    // A few descriptions that RFC 2849 requires to be base64 (leading space,
    // colon or '<', trailing space).
    a.description = match desc_variant {
        0..=2 => Some(" Temporary account".to_string()),
        3..=5 => a.description.map(|d| format!("{d} ")),
        6 => Some(":imported from legacy directory".to_string()),
        7 => Some("<pending review>".to_string()),
        _ => a.description,
    };

    a.member_of = (index / NON_USER_EVERY..index / NON_USER_EVERY + GROUP_WINDOW)
        .filter(|&k| is_member(ctx, index, k))
        .map(|k| group_dn(ctx, k))
        .collect();

    match id.special {
        None => {}
        Some(OobExclusion::UserWriteback) => {
            a.admin_description = Some(format!("User_{}", guid_to_string(&writeback_oid)));
            a.description = Some("Created by Microsoft Entra Connect user writeback".to_string());
        }
        Some(kind) => {
            // Service accounts: no person attributes, no mailbox.
            a.sam = cn.clone();
            a.upn = format!("{cn}@{}", ctx.domain);
            a.given = None;
            a.sn = None;
            a.display_name = None;
            a.title = None;
            a.department = None;
            a.company = None;
            a.office = None;
            a.street = None;
            a.city = None;
            a.state = None;
            a.postal_code = None;
            a.country = None;
            a.country_name = None;
            a.country_code = 0;
            a.telephone = None;
            a.mobile = None;
            a.employee_id = None;
            a.employee_type = None;
            a.extension_attribute1 = None;
            a.manager = None;
            a.mail = None;
            a.mail_nickname = None;
            a.proxy_addresses.clear();
            a.msexch_recipient_type_details = None;
            a.thumbnail_photo = None;
            a.consistency_guid = None;
            match kind {
                OobExclusion::CriticalSystemObject => {
                    a.is_critical_system_object = true;
                    a.user_account_control = 514;
                    a.description = Some(
                        "Key Distribution Center service account for read-only domain controller"
                            .to_string(),
                    );
                }
                _ => {
                    let id_hex = &cn[cn.find('_').map_or(0, |i| i + 1)..];
                    a.user_account_control = 66048;
                    a.description = Some(format!(
                        "Account created by Microsoft Azure Active Directory Connect with installation identifier {id_hex} running on computer AADC01 configured to synchronize to tenant {}.onmicrosoft.com. This account must have directory replication permissions in the local Active Directory and write permission on certain attributes to enable Hybrid Deployment.",
                        ctx.tenant
                    ));
                }
            }
        }
    }
    if a.oob_exclusion.is_none() {
        if is_duplicate_candidate(ctx, index)
            && index > 0
            && !is_duplicate_candidate(ctx, index - 1)
        {
            let prev = account_in(ctx, index - 1);
            if prev.oob_exclusion.is_none()
                && !prev.upn.is_empty()
                && cloud::plant_for(ctx, &prev).is_none()
            {
                a.consistency_guid = Some(prev.source_anchor());
                a.duplicate_anchor_of = Some(index - 1);
            }
        }
        if a.duplicate_anchor_of.is_none()
            && !id.partner
            && Rng::new(ctx.seed, index, S_NO_UPN).chance(NO_UPN_RATE)
        {
            a.upn = String::new();
        }
    }
    a
}

/// The duplicate-anchor draw of `index` (its own PRNG stream, so the other
/// values of the account do not move).
fn is_duplicate_candidate(ctx: &Ctx, index: u64) -> bool {
    Rng::new(ctx.seed, index, S_DUPLICATE).chance(DUPLICATE_ANCHOR_RATE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_writes_three_files_from_one_pass() {
        let opts = GenerateOptions {
            users: 260,
            seed: 5,
            ..GenerateOptions::default()
        };
        let dir = tempfile::tempdir().unwrap();
        let s1 = generate(&opts, dir.path()).unwrap();
        let names = FILE_NAMES;
        let first: Vec<Vec<u8>> = names
            .iter()
            .map(|n| fs::read(dir.path().join(n)).unwrap())
            .collect();
        let s2 = generate(&opts, dir.path()).unwrap();
        assert_eq!(s1, s2);
        let expected_files: Vec<(PathBuf, u64)> = names
            .iter()
            .zip(&first)
            .map(|(n, d)| (dir.path().join(n), d.len() as u64))
            .collect();
        assert_eq!(s1.files, expected_files);
        for (n, d) in names.iter().zip(&first) {
            assert_eq!(
                &fs::read(dir.path().join(n)).unwrap(),
                d,
                "{n} deterministic"
            );
        }
        // The same bytes as the separate writers.
        let mut l = Vec::new();
        let sl = write_onprem_ldif(&opts, &mut l).unwrap();
        let mut c = Vec::new();
        let sc = write_onprem_csvde(&opts, &mut c).unwrap();
        let mut p = Vec::new();
        let sp = write_onprem_export_csv(&opts, &mut p).unwrap();
        let mut gp = Vec::new();
        write_graph_pages(&opts, &mut gp).unwrap();
        let mut ga = Vec::new();
        write_graph_array(&opts, &mut ga).unwrap();
        let mut gc = Vec::new();
        write_admin_center_csv(&opts, &mut gc).unwrap();
        assert_eq!([l, c, p, gp, ga, gc], first[..6]);
        for s in [sl, sc, sp] {
            assert_eq!(
                (s.users, s.partners, s.non_user_objects),
                (s1.users, s1.partners, s1.non_user_objects)
            );
        }
        assert_eq!((s1.users, s1.non_user_objects), (260, 5));
    }

    #[test]
    fn size_estimate_bounds_what_is_written_and_existing_files_are_found() {
        let dir = tempfile::tempdir().unwrap();
        assert!(existing_files(dir.path()).is_empty());
        let users = 3000;
        let summary = generate(&test_options(users, 9), dir.path()).unwrap();
        let written: u64 = summary.files.iter().map(|(_, n)| n).sum();
        assert_eq!(summary.files.len(), FILE_NAMES.len());
        assert!(written <= estimated_bytes(users), "{written} bytes written");
        // Not so loose that the disk check would refuse what fits.
        assert!(
            estimated_bytes(users) < written * 2,
            "{written} bytes written"
        );
        assert_eq!(existing_files(dir.path()).len(), FILE_NAMES.len());
        assert_eq!(estimated_bytes(u64::MAX), u64::MAX);
    }
}

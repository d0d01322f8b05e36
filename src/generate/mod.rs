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
mod forest;
mod ldifde;
mod names;
mod powershell;
mod random;
mod synthetic;
mod writers;

pub use cloud::{
    cloud_only_count, cloud_only_user, cloud_user, write_admin_center_csv, write_graph_array,
    write_graph_pages, PlannedCloudUser, Planted, CSV_LOST,
};
pub use csvde::{write_onprem_csvde, CSVDE_COLUMNS};
pub use forest::{domain_sid, guid_to_string, sid_to_string};
pub use ldifde::write_onprem_ldif;
pub use powershell::{write_onprem_export_csv, EXPORT_CSV_COLUMNS, EXPORT_CSV_LOST};
pub use synthetic::{
    OobExclusion, SyntheticAccount, DUPLICATE_ANCHOR_RATE, INVALID_MARKERS, NO_UPN_RATE,
};

// The parts, under the names the writers use (`super::Ctx`, `super::Rng`, ...).
use self::forest::*;
use self::names::*;
use self::random::*;
use self::synthetic::account_in;
use self::writers::*;

use std::fs::{self, File};
use std::io::{self, BufWriter};
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

/// The synthetic user account `index` (0-based). A pure function of the options
/// and the index. `member_of` also depends on `opts.users` (groups exist only for
/// complete blocks of 50 users), everything else only on seed, domains, share and index.
pub fn account(opts: &GenerateOptions, index: u64) -> SyntheticAccount {
    account_in(&Ctx::new(opts), index)
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

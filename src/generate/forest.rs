//! The forest's model: the per-run context (domain, OUs, partner share),
//! distinguished names, the groups and their members, and the calendar of
//! the synthetic export.

use super::names::{identity, special_kind, user_cn, DEPARTMENTS};
use super::random::{Rng, GOLDEN, S_MEMBER, S_SLOT};
use super::{GenerateOptions, DOMAIN_SUB_AUTHORITIES, GROUP_WINDOW, NON_USER_EVERY};

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

/// The DN of the container a user's key names.
pub(crate) fn container<'a>(ctx: &'a Ctx, key: &str) -> &'a str {
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
pub(crate) const T_2012: u64 = 1_325_376_000; // 2012-01-01
pub(crate) const T_2024_07: u64 = 1_719_792_000; // 2024-07-01
pub(crate) const T_NOW: u64 = 1_736_899_200; // 2025-01-15, the synthetic "export time"
pub(crate) const NEVER_EXPIRES: u64 = 9_223_372_036_854_775_807;

/// Unix seconds to Windows FILETIME (100 ns since 1601).
pub(crate) fn filetime(unix: u64, sub: u64) -> u64 {
    (unix + 11_644_473_600) * 10_000_000 + sub % 10_000_000
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

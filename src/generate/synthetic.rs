//! The synthetic accounts: what one account holds, and how account `index`
//! is drawn from its random streams (see `random`), named (see `names`) and
//! placed in the forest (see `forest`), with the planted oddities (service
//! accounts the out-of-box rules exclude, duplicate anchors, missing UPNs).

use super::forest::{
    container, domain_sid, escape_rdn_value, filetime, group_dn, guid_to_string, is_member,
    sid_to_string, user_dn, Ctx, NEVER_EXPIRES, T_2012, T_2024_07, T_NOW,
};
use super::names::{
    identity, user_cn, Identity, Office, DEPARTMENTS, OFFICES, PARTNER_COMPANIES, PARTNER_TITLES,
    TITLES,
};
use super::random::{Rng, S_ACCOUNT, S_DUPLICATE, S_NO_UPN};
use super::{cloud, FIRST_USER_RID, GROUP_WINDOW, NON_USER_EVERY};

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

/// Share of in-scope employees without `userPrincipalName` (the Learn sample
/// expression raises `Error()` for them).
pub const NO_UPN_RATE: f64 = 0.002;
/// Share of in-scope accounts whose `mS-DS-ConsistencyGuid` repeats the
/// anchor of the account before them (a restored or copied object).
pub const DUPLICATE_ANCHOR_RATE: f64 = 0.002;
/// The `extensionAttribute1` values of partners that are not exactly
/// `Guest` (a Direct flow passes them raw: `invalid_user_type`).
pub const INVALID_MARKERS: &[&str] = &["guest", "Guest ", "External"];

/// The random draws of one account, in the order its stream gives them:
/// drawing them first and in one place keeps every value where it was
/// whatever the code that uses them does.
struct Draws {
    object_guid: [u8; 16],
    with_consistency: bool,
    when_created: u64,
    when_changed: u64,
    pwd_last_set: u64,
    last_logon_timestamp: Option<u64>,
    thumbnail: Option<Vec<u8>>,
    uac_draw: f64,
    office: &'static Office,
    phone: String,
    mobile: Option<String>,
    title_e: &'static str,
    title_p: &'static str,
    dept: &'static str,
    partner_company: &'static str,
    desc_variant: u64,
    ext_draw: f64,
    etype_draw: f64,
    rtd_draw: f64,
    secondary1: bool,
    secondary2: bool,
    employee_id: u64,
    manager_draw: f64,
    manager_idx: u64,
    expires_days: u64,
    writeback_oid: [u8; 16],
}

impl Draws {
    fn new(ctx: &Ctx, index: u64) -> Draws {
        let mut r = Rng::new(ctx.seed, index, S_ACCOUNT);
        let object_guid = r.guid();
        let with_consistency = r.chance(0.7);
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
        let office = pick_office(&mut r);
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
        Draws {
            object_guid,
            with_consistency,
            when_created,
            when_changed,
            pwd_last_set,
            last_logon_timestamp,
            thumbnail,
            uac_draw,
            office,
            phone,
            mobile,
            title_e,
            title_p,
            dept,
            partner_company,
            desc_variant,
            ext_draw,
            etype_draw,
            rtd_draw,
            secondary1,
            secondary2,
            employee_id,
            manager_draw,
            manager_idx,
            expires_days,
            writeback_oid,
        }
    }
}

/// An office, weighted by its share of the staff.
fn pick_office(r: &mut Rng) -> &'static Office {
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
}

/// The synthetic account `index` in the run `ctx` (see [`super::account`]).
pub(crate) fn account_in(ctx: &Ctx, index: u64) -> SyntheticAccount {
    let id = identity(ctx, index);
    let d = Draws::new(ctx, index);
    let (cn, key) = user_cn(ctx, index, &id);
    let dn = format!("CN={},{}", escape_rdn_value(&cn), container(ctx, key));
    let mut a = person(ctx, index, &id, dn, cn.clone(), &d);
    let local = format!("{}.{}.{index}", id.given_ascii, id.sn_ascii);
    set_mail(ctx, &mut a, &id, &local, &d);
    if id.partner {
        set_partner(&mut a, &d);
    } else {
        set_employee(ctx, &mut a, index, &d);
    }
    // A few descriptions that RFC 2849 requires to be base64 (leading space,
    // colon or '<', trailing space).
    a.description = match d.desc_variant {
        0..=2 => Some(" Temporary account".to_string()),
        3..=5 => a.description.map(|x| format!("{x} ")),
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
            a.admin_description = Some(format!("User_{}", guid_to_string(&d.writeback_oid)));
            a.description = Some("Created by Microsoft Entra Connect user writeback".to_string());
        }
        Some(kind) => make_service_account(ctx, &mut a, kind, &cn),
    }
    if a.oob_exclusion.is_none() {
        plant_duplicate_or_missing_upn(ctx, &mut a, &id);
    }
    a
}

/// The account as a person of the organisation, before its role is known.
fn person(
    ctx: &Ctx,
    index: u64,
    id: &Identity,
    dn: String,
    cn: String,
    d: &Draws,
) -> SyntheticAccount {
    let rid = (FIRST_USER_RID as u64).wrapping_add(index) as u32;
    let office = d.office;
    SyntheticAccount {
        index,
        dn,
        cn,
        upn: String::new(),
        sam: sam_account_name(id, index),
        given: Some(id.given.to_string()),
        sn: Some(id.sn.to_string()),
        display_name: Some(if id.comma {
            format!("{}, {}", id.sn, id.given)
        } else {
            format!("{} {}", id.given, id.sn)
        }),
        description: None,
        title: Some(d.title_e.to_string()),
        department: Some(d.dept.to_string()),
        company: Some(format!("{} Ltd.", ctx.org)),
        office: Some(office.0.to_string()),
        street: Some(office.1.to_string()),
        city: Some(office.2.to_string()),
        state: (!office.3.is_empty()).then(|| office.3.to_string()),
        postal_code: Some(office.4.to_string()),
        country: Some(office.5.to_string()),
        country_name: Some(office.6.to_string()),
        country_code: office.7,
        telephone: Some(d.phone.clone()),
        mobile: d.mobile.clone(),
        employee_id: Some(format!("E{}", d.employee_id)),
        manager: None,
        mail: None,
        mail_nickname: None,
        proxy_addresses: Vec::new(),
        msexch_recipient_type_details: None,
        object_guid: d.object_guid,
        consistency_guid: d.with_consistency.then_some(d.object_guid),
        object_sid: domain_sid(rid),
        rid,
        user_account_control: if d.uac_draw < 0.85 {
            512
        } else if d.uac_draw < 0.93 {
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
        when_created: d.when_created,
        when_changed: d.when_changed,
        pwd_last_set: d.pwd_last_set,
        last_logon_timestamp: d.last_logon_timestamp,
        account_expires: NEVER_EXPIRES,
        thumbnail_photo: d.thumbnail.clone(),
    }
}

/// `sAMAccountName`: the first letter of the given name, up to 12 letters of
/// the surname and the index, at most 20 characters.
fn sam_account_name(id: &Identity, index: u64) -> String {
    let mut sam_last: String = id
        .sn_ascii
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let digits = index.to_string();
    let room = 20usize.saturating_sub(1 + digits.len());
    sam_last.truncate(room.min(12));
    format!("{}{}{}", &id.given_ascii[..1], sam_last, digits)
}

/// UPN, mail, mail nickname and proxy addresses (`local@suffix`).
fn set_mail(ctx: &Ctx, a: &mut SyntheticAccount, id: &Identity, local: &str, d: &Draws) {
    let suffix = if id.partner {
        &ctx.partner_domain
    } else {
        &ctx.domain
    };
    a.upn = format!("{local}@{suffix}");
    a.mail = Some(a.upn.clone());
    a.mail_nickname = Some(local.to_string());
    a.proxy_addresses.push(format!("SMTP:{}", a.upn));
    if d.secondary1 {
        a.proxy_addresses
            .push(format!("smtp:{local}@{}.mail.onmicrosoft.com", ctx.tenant));
    }
    if d.secondary2 {
        a.proxy_addresses
            .push(format!("smtp:{}@{}", a.sam.to_ascii_lowercase(), suffix));
    }
}

/// A partner's job, company, classification marker and expiry.
fn set_partner(a: &mut SyntheticAccount, d: &Draws) {
    a.title = Some(d.title_p.to_string());
    a.department = Some("External".to_string());
    a.company = Some(d.partner_company.to_string());
    a.employee_id = None;
    a.employee_type = Some(
        if d.etype_draw < 0.6 {
            "Contractor"
        } else {
            "Vendor"
        }
        .to_string(),
    );
    a.extension_attribute1 = if d.ext_draw < 0.95 {
        Some("Guest".to_string())
    } else if d.ext_draw < 0.98 {
        let k = ((d.ext_draw - 0.95) / 0.01) as usize;
        Some(INVALID_MARKERS[k.min(INVALID_MARKERS.len() - 1)].to_string())
    } else {
        None
    };
    a.msexch_recipient_type_details = (d.rtd_draw < 0.3).then_some(2_147_483_648);
    if d.expires_days < 300 {
        a.account_expires = filetime(T_NOW + d.expires_days * 86_400, 0);
    }
    a.description = Some(format!("Partner account - {}", d.partner_company));
}

/// An employee's classification marker, mailbox type, description and manager.
fn set_employee(ctx: &Ctx, a: &mut SyntheticAccount, index: u64, d: &Draws) {
    a.employee_type = (d.etype_draw < 0.9).then(|| "Employee".to_string());
    a.extension_attribute1 = (d.ext_draw < 0.97).then(|| "Member".to_string());
    a.msexch_recipient_type_details = if d.rtd_draw < 0.5 {
        Some(1)
    } else if d.rtd_draw < 0.9 {
        Some(2_147_483_648)
    } else {
        None
    };
    a.description = Some(format!("{}, {}", d.title_e, d.dept));
    if d.manager_draw < 0.75 && index > 0 {
        let m = index - 1 - d.manager_idx.min(index - 1);
        let mid = identity(ctx, m);
        if !mid.partner && mid.special.is_none() {
            a.manager = Some(user_dn(ctx, m));
        }
    }
}

/// A service account the out-of-box rules exclude: no person attributes, no
/// mailbox.
fn make_service_account(ctx: &Ctx, a: &mut SyntheticAccount, kind: OobExclusion, cn: &str) {
    a.sam = cn.to_string();
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

/// The planted oddities of an in-scope account: the anchor of the account
/// before it repeated ([`DUPLICATE_ANCHOR_RATE`]), else, for an employee, no
/// UPN ([`NO_UPN_RATE`]).
fn plant_duplicate_or_missing_upn(ctx: &Ctx, a: &mut SyntheticAccount, id: &Identity) {
    let index = a.index;
    if is_duplicate_candidate(ctx, index) && index > 0 && !is_duplicate_candidate(ctx, index - 1) {
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

/// The duplicate-anchor draw of `index` (its own PRNG stream, so the other
/// values of the account do not move).
fn is_duplicate_candidate(ctx: &Ctx, index: u64) -> bool {
    Rng::new(ctx.seed, index, S_DUPLICATE).chance(DUPLICATE_ANCHOR_RATE)
}

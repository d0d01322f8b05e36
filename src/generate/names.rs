//! Names: the built-in lists the accounts draw their names, titles,
//! departments and offices from, and each account's identity (its name, and
//! whether it is a partner or a planted out-of-box exclusion).

use super::random::{Rng, S_IDENTITY, S_SPECIAL};
use super::{Ctx, OobExclusion, EXCLUSION_PERIOD};

pub(crate) const GIVEN: &[&str] = &[
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
pub(crate) const SURNAME: &[&str] = &[
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
pub(crate) const GIVEN_NON_ASCII: &[(&str, &str)] = &[
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
pub(crate) const SURNAME_NON_ASCII: &[(&str, &str)] = &[
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

pub(crate) const TITLES: &[&str] = &[
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
pub(crate) const DEPARTMENTS: &[&str] = &[
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
pub(crate) const PARTNER_COMPANIES: &[&str] = &[
    "Fabrikam, Inc.",
    "Northwind Traders",
    "Adventure Works",
    "Tailspin Toys",
    "Litware, Inc.",
    "Woodgrove Bank",
    "Wide World Importers",
    "Proseware, Inc.",
];
pub(crate) const PARTNER_TITLES: &[&str] = &[
    "Consultant",
    "Contractor",
    "Vendor Engineer",
    "External Auditor",
    "Implementation Partner",
    "Support Contractor",
];

/// An office: (name, street, city, state, postal code, c, co, countryCode, phone prefix, weight).
pub(crate) type Office = (
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
pub(crate) const OFFICES: &[Office] = &[
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

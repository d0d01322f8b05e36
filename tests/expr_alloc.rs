//! Once a `Scratch` is warm, evaluating Microsoft's UserType sample rule, a
//! Direct-like attribute read and the out-of-box cloudFiltered rule
//! allocates nothing. Counted with a thread-local counting allocator, so
//! the test harness's other threads do not disturb the count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use usertype_audit::classify::expr::{compile, CompileOptions, Program, Record, Scratch};
use usertype_audit::read::ldif::{parse_chunk, LdifOptions};
use usertype_audit::read::{OwnedAttr, OwnedEntry, Value, ValueKind};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counter is a const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        System.alloc_zeroed(layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        System.realloc(ptr, layout, new_size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

const SAMPLE: &str = r#"IIF(IsPresent([userPrincipalName]),IIF(CBool(InStr(LCase([userPrincipalName]),"@partners.fabrikam123.org")=0),"Member","Guest"),Error("UserPrincipalName is not present to determine UserType"))"#;

const CLOUD_FILTERED: &str = r#"IIF(IsPresent([isCriticalSystemObject]) || IsPresent([sAMAccountName]) = False || [sAMAccountName] = "SUPPORT_388945a0" || Left([mailNickname], 14) = "SystemMailbox{" || Left([sAMAccountName], 4) = "AAD_" || (Left([mailNickname], 4) = "CAS_" && (InStr([mailNickname], "}") > 0)) || (Left([sAMAccountName], 4) = "CAS_" && (InStr([sAMAccountName], "}") > 0)) || Left([sAMAccountName], 5) = "MSOL_" || CBool(IIF(IsPresent([msExchRecipientTypeDetails]),BitAnd([msExchRecipientTypeDetails],&H21C07000) > 0,NULL)) || CBool(InStr(DNComponent(CRef([dn]),1),"\\0ACNF:")>0), True, NULL)"#;

fn owned(upn: &str) -> OwnedEntry {
    let attr = |name: &str, v: &str| OwnedAttr {
        name: name.into(),
        values: vec![Value {
            bytes: v.as_bytes().to_vec(),
            kind: ValueKind::Plain,
        }],
    };
    OwnedEntry {
        dn: b"CN=Bob,OU=Users,DC=contoso,DC=com".to_vec(),
        line: 1,
        byte: 0,
        attrs: vec![
            attr("userPrincipalName", upn),
            attr("extensionAttribute1", "Guest"),
            attr("sAMAccountName", "bob"),
            attr("msExchRecipientTypeDetails", "1"),
        ],
    }
}

/// Evaluates every program on every record `n` times; returns a checksum
/// of the results so the work cannot be optimised away.
fn run(programs: &[&Program], records: &[&dyn Record], scratch: &mut Scratch, n: usize) -> usize {
    let mut sum = 0;
    for _ in 0..n {
        for p in programs {
            for r in records {
                match p.eval(*r, scratch) {
                    Ok(v) => sum += v.as_str().map_or(1, str::len),
                    Err(e) => panic!("{e}"),
                }
            }
        }
    }
    sum
}

#[test]
fn warm_evaluation_allocates_nothing() {
    let opts = CompileOptions::default();
    let sample = compile(SAMPLE, &opts).expect("sample compiles").program;
    let direct = compile("[extensionAttribute1]", &opts)
        .expect("direct compiles")
        .program;
    let filtered = compile(CLOUD_FILTERED, &opts)
        .expect("cloudFiltered compiles")
        .program;

    let guest = owned("x@PARTNERS.fabrikam123.org.evil.com");
    let member = owned("bob@contoso.com");
    let ldif = b"dn: CN=Al,DC=x\nuserPrincipalName: Al@Partners.Fabrikam123.org\nextensionAttribute1: Member\nsAMAccountName: al\n\n";
    let batch = parse_chunk(ldif, true, &LdifOptions::default());
    let from_batch = batch.entries().next().expect("one entry");
    let records: [&dyn Record; 3] = [&guest, &member, &from_batch];
    let programs = [&sample, &direct, &filtered];

    let mut scratch = Scratch::new();
    let warm = run(&programs, &records, &mut scratch, 3);
    let before = allocations();
    let sum = run(&programs, &records, &mut scratch, 1000);
    let after = allocations();
    assert_eq!(sum, warm / 3 * 1000, "same results warm and cold");
    assert_eq!(after - before, 0, "allocations in 9000 warm evaluations");

    // The counter does count: an owned copy of a result allocates.
    let before = allocations();
    let owned_value = sample.eval(&guest, &mut scratch).map(|v| v.to_value());
    assert!(allocations() > before, "{owned_value:?}");
}

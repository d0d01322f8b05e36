//! Once a `Scratch` is warm, evaluating Microsoft's UserType sample rule, a
//! Direct-like attribute read and the out-of-box cloudFiltered rule
//! allocates nothing; and an expression that asks for gigabytes of text
//! fails with a resource-limit error without ever holding much more than
//! the evaluator's text limit. Counted with a thread-local counting
//! allocator, so the test harness's other threads do not disturb the count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use usertype_audit::classify::expr::{compile, CompileOptions, Program, Record, Scratch};
use usertype_audit::read::ldif::{parse_chunk, LdifOptions};
use usertype_audit::read::{OwnedAttr, OwnedEntry, Value, ValueKind};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    /// Bytes allocated by this thread and not yet freed, and the most of them at once.
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

fn grow(bytes: i64) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + bytes;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counter is a const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        grow(layout.size() as i64);
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        grow(layout.size() as i64);
        System.alloc_zeroed(layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        grow(new_size as i64 - layout.size() as i64);
        System.realloc(ptr, layout, new_size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        grow(-(layout.size() as i64));
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// The most bytes this thread held at once while running `f`, above what it held before.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, i64) {
    let before = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(before));
    let out = f();
    (out, PEAK.with(Cell::get) - before)
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

#[test]
fn text_that_would_pass_the_limit_is_refused_before_it_is_made() {
    use usertype_audit::classify::expr::{EvalError, MAX_ARENA_BYTES};
    // Each would make gigabytes of text (the first 4 GiB) without the
    // checks inside the functions.
    let cases = [
        r#"Len(Replace(PadLeft("",1048576,"a"),"a",PadLeft("",4096,"a")))"#,
        r#"Len(ReplaceChars(PadLeft("",1048576,"a"),"a:" & PadLeft("",4096,"b")))"#,
        r#"Len(Join(Split(PadLeft("",1000000,","),","),PadLeft("",4096,"x")))"#,
        r#"Len(PadLeft("",1099511627776,"a"))"#,
        r#"Len(Replace([userPrincipalName],"o",PadLeft("",30000000,"a")))"#,
    ];
    let record = owned("bob@contoso.com");
    let mut scratch = Scratch::new();
    for src in cases {
        let program = compile(src, &CompileOptions::default())
            .expect("compiles")
            .program;
        let (result, peak) =
            peak_during(|| program.eval(&record, &mut scratch).map(|v| v.to_value()));
        assert!(
            matches!(result, Err(EvalError::Limit(..))),
            "{src}: {result:?}"
        );
        // The arena, the output buffer and their doubling: a few times the limit at most.
        let bound = 4 * MAX_ARENA_BYTES as i64;
        assert!(peak < bound, "{src}: {peak} bytes at once (bound {bound})");
    }
}

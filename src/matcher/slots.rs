//! The memory of the matcher's hash tables: zeroed `u64` slots, on
//! transparent huge pages where the kernel offers them.
//!
//! A million-user index is six tables of 16 to 32 MiB probed at random, once
//! per key of every account. With 4 KiB pages nearly every probe misses the
//! TLB as well as the cache; with 2 MiB pages the whole table needs a few
//! dozen TLB entries. The pages are also faulted in writable before the
//! table is filled: a table calloc'ed from fresh memory maps the shared zero
//! page on the first read, and the write that follows then costs a
//! copy-on-write fault and a TLB shootdown on the other core, per page.

use std::ops::{Deref, DerefMut};

use memmap2::MmapMut;

/// Huge page size on x86-64 and most aarch64 kernels.
const HUGE: usize = 2 << 20;

/// Zeroed slots; derefs to `[u64]`.
pub(super) struct Slots {
    memory: Memory,
}

enum Memory {
    Heap(Vec<u64>),
    /// An anonymous map, and where in it the 2 MiB-aligned slots start.
    Mapped {
        map: MmapMut,
        offset: usize,
        len: usize,
    },
}

impl Slots {
    /// `len` zeroed slots.
    pub(super) fn zeroed(len: usize) -> Slots {
        let bytes = len.saturating_mul(8);
        if bytes >= HUGE {
            // One huge page more than needed, so that the slots can start on
            // a huge page boundary (the kernel only backs aligned 2 MiB
            // ranges with huge pages).
            if let Ok(mut map) = MmapMut::map_anon(bytes + HUGE) {
                let offset = map.as_ptr().align_offset(HUGE);
                #[cfg(target_os = "linux")]
                let _ = map.advise(memmap2::Advice::HugePage);
                // Fault the pages in writable now (Linux 5.14 and later; on
                // older kernels, or elsewhere, writing does the same).
                #[cfg(target_os = "linux")]
                let populated = map
                    .advise_range(memmap2::Advice::PopulateWrite, offset, bytes)
                    .is_ok();
                #[cfg(not(target_os = "linux"))]
                let populated = false;
                if !populated {
                    map[offset..offset + bytes].fill(0);
                }
                return Slots {
                    memory: Memory::Mapped { map, offset, len },
                };
            }
        }
        Slots {
            memory: Memory::Heap(vec![0; len]),
        }
    }
}

impl std::fmt::Debug for Slots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Slots({})", self.len())
    }
}

impl Default for Slots {
    fn default() -> Self {
        Slots {
            memory: Memory::Heap(Vec::new()),
        }
    }
}

impl Deref for Slots {
    type Target = [u64];

    fn deref(&self) -> &[u64] {
        match &self.memory {
            Memory::Heap(v) => v,
            Memory::Mapped { map, offset, len } => {
                let bytes = &map[*offset..*offset + len * 8];
                // SAFETY: the range is inside the map, starts on a 2 MiB
                // boundary (so is aligned for u64) and holds `len` u64s;
                // every bit pattern is a valid u64; the borrow of `self`
                // keeps the map alive and unaliased by writers.
                unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<u64>(), *len) }
            }
        }
    }
}

impl DerefMut for Slots {
    fn deref_mut(&mut self) -> &mut [u64] {
        match &mut self.memory {
            Memory::Heap(v) => v,
            Memory::Mapped { map, offset, len } => {
                let bytes = &mut map[*offset..*offset + *len * 8];
                // SAFETY: as in `deref`, with the unique borrow of `self`.
                unsafe { std::slice::from_raw_parts_mut(bytes.as_mut_ptr().cast::<u64>(), *len) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_zeroed_aligned_and_writable() {
        for len in [0, 1, 100, HUGE / 8, HUGE / 8 + 3, 3 * HUGE / 8] {
            let mut s = Slots::zeroed(len);
            assert_eq!(s.len(), len);
            assert!(s.iter().all(|&x| x == 0));
            assert_eq!(s.as_ptr() as usize % 8, 0);
            if let Some(last) = s.last_mut() {
                *last = u64::MAX;
            }
            if len > 0 {
                s[0] = 7;
                assert_eq!(s[0], 7);
                assert_eq!(s[len - 1], if len == 1 { 7 } else { u64::MAX });
            }
        }
    }
}

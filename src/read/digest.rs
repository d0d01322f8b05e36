//! The BLAKE3 hash of a mapped input, computed by the readers' workers as
//! they pass over it.
//!
//! The audit reports a hash of every input. Hashing a 2 GB export in a pass
//! of its own reads it from memory a second time, and on a thread of its
//! own it also takes the page faults of a second walk over the map; both
//! cost more than the hashing itself. Here the file is cut into 1 MiB
//! blocks, and a worker that is about to parse a range first hashes the
//! blocks that start in it: the bytes are then in cache for the parser.
//! [`Digest::finish`] hashes whatever no worker took (a reader that stopped
//! early, a shape read in one piece) and joins the blocks' chaining values
//! into the root as BLAKE3's tree prescribes, so the result is always
//! exactly `blake3::hash` of the file.
//!
//! The tree: BLAKE3 hashes 1 KiB chunks and joins them pairwise; a subtree
//! of 2^k chunks that starts at a multiple of its own size has a chaining
//! value of its own. A 1 MiB block (1,024 chunks) at a multiple of 1 MiB is
//! such a subtree, and the tree above the blocks is found with
//! [`blake3::hazmat::left_subtree_len`] (section 2.1 of the BLAKE3 paper).

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use blake3::hazmat::{
    left_subtree_len, merge_subtrees_non_root, merge_subtrees_root, ChainingValue, HasherExt, Mode,
};
use memmap2::Mmap;
use rayon::prelude::*;

/// Block size: a power of two times BLAKE3's 1 KiB chunk.
const BLOCK: usize = 1 << 20;

/// The hash of one mapped file, filled in block by block.
pub struct Digest {
    map: Arc<Mmap>,
    blocks: Vec<OnceLock<ChainingValue>>,
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let done = self.blocks.iter().filter(|b| b.get().is_some()).count();
        write!(
            f,
            "Digest({} bytes, {done}/{} blocks)",
            self.map.len(),
            self.blocks.len()
        )
    }
}

impl Digest {
    /// A digest of the whole of `map`.
    pub fn new(map: Arc<Mmap>) -> Digest {
        // A file of one block is hashed whole at the end: its block is the root.
        let n = if map.len() > BLOCK {
            map.len().div_ceil(BLOCK)
        } else {
            0
        };
        Digest {
            map,
            blocks: (0..n).map(|_| OnceLock::new()).collect(),
        }
    }

    /// Hashes the blocks that start in `range` (offsets in the file) and
    /// have not been hashed yet. Any thread may call it, for any range.
    pub fn hash_blocks_starting_in(&self, range: Range<usize>) {
        let first = range.start.div_ceil(BLOCK);
        let end = range.end.div_ceil(BLOCK).min(self.blocks.len());
        for k in first..end {
            self.block(k);
        }
    }

    fn block(&self, k: usize) -> ChainingValue {
        *self.blocks[k].get_or_init(|| {
            let start = k * BLOCK;
            let bytes = &self.map[start..(start + BLOCK).min(self.map.len())];
            blake3::Hasher::new()
                .set_input_offset(start as u64)
                .update(bytes)
                .finalize_non_root()
        })
    }

    /// The file's BLAKE3 hash, as lowercase hex.
    pub fn finish(&self) -> String {
        if self.blocks.is_empty() {
            return blake3::hash(&self.map).to_hex().to_string();
        }
        let cvs: Vec<ChainingValue> = (0..self.blocks.len())
            .into_par_iter()
            .map(|k| self.block(k))
            .collect();
        let (left, right) = self.split(&cvs, self.map.len() as u64);
        merge_subtrees_root(&left, &right, Mode::Hash)
            .to_hex()
            .to_string()
    }

    /// The chaining values of the two children of the subtree over `cvs`,
    /// which covers `len` bytes (more than one block).
    fn split(&self, cvs: &[ChainingValue], len: u64) -> (ChainingValue, ChainingValue) {
        // More than one block: the left subtree is a whole number of blocks.
        let left_len = left_subtree_len(len);
        let n = (left_len / BLOCK as u64) as usize;
        let (l, r) = cvs.split_at(n);
        (self.join(l, left_len), self.join(r, len - left_len))
    }

    fn join(&self, cvs: &[ChainingValue], len: u64) -> ChainingValue {
        match cvs {
            [one] => *one,
            _ => {
                let (left, right) = self.split(cvs, len);
                merge_subtrees_non_root(&left, &right, Mode::Hash)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn mapped(bytes: &[u8]) -> Arc<Mmap> {
        let mut file = tempfile();
        file.write_all(bytes).unwrap();
        // SAFETY: a private temporary file nobody else writes.
        Arc::new(unsafe { Mmap::map(&file) }.unwrap())
    }

    fn tempfile() -> std::fs::File {
        let dir = std::env::temp_dir();
        let path = dir.join(format!(
            "usertype-audit-digest-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .unwrap();
        let _ = std::fs::remove_file(&path);
        file
    }

    /// Bytes that differ from block to block (a repeated pattern would hide
    /// a block hashed at the wrong offset only if offsets were ignored).
    fn bytes(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 4093) as u8).collect()
    }

    #[test]
    fn equals_blake3_of_the_whole_file_at_every_shape_of_tree() {
        for len in [
            1,
            1000,
            BLOCK - 1,
            BLOCK,
            BLOCK + 1,
            2 * BLOCK,
            2 * BLOCK + 1024,
            3 * BLOCK - 1,
            4 * BLOCK,
            5 * BLOCK + 17,
            7 * BLOCK + 1,
            9 * BLOCK,
        ] {
            let data = bytes(len);
            let want = blake3::hash(&data).to_hex().to_string();
            // Nothing hashed along the way.
            let d = Digest::new(mapped(&data));
            assert_eq!(d.finish(), want, "len {len}, no help");
            // Every block hashed by "workers", in ranges that do not line up
            // with the blocks, some twice.
            let d = Digest::new(mapped(&data));
            let mut at = 0;
            while at < len {
                let end = (at + 700_001).min(len);
                d.hash_blocks_starting_in(at..end);
                d.hash_blocks_starting_in(at..end);
                at = end;
            }
            assert_eq!(d.finish(), want, "len {len}, all hashed along");
            // Only some.
            let d = Digest::new(mapped(&data));
            d.hash_blocks_starting_in(BLOCK..3 * BLOCK);
            assert_eq!(d.finish(), want, "len {len}, some hashed along");
        }
    }

    #[test]
    fn ranges_take_the_blocks_that_start_in_them() {
        let d = Digest::new(mapped(&bytes(3 * BLOCK + 5)));
        d.hash_blocks_starting_in(1..BLOCK);
        assert!(d.blocks.iter().all(|b| b.get().is_none()));
        d.hash_blocks_starting_in(BLOCK..BLOCK + 1);
        let done: Vec<bool> = d.blocks.iter().map(|b| b.get().is_some()).collect();
        assert_eq!(done, [false, true, false, false]);
        d.hash_blocks_starting_in(0..1);
        d.hash_blocks_starting_in(3 * BLOCK..usize::MAX);
        let done: Vec<bool> = d.blocks.iter().map(|b| b.get().is_some()).collect();
        assert_eq!(done, [true, true, false, true]);
    }
}

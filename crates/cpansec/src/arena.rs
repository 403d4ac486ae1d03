//! The executable's memory allocator: a bump arena on transparent huge pages
//! in front of the system allocator.
//!
//! Most commands run for milliseconds, and in this kind of virtual machine a
//! first touch of a 4 KiB page costs about 2.5 µs: an SBOM of a 486-dist
//! snapshot touched about 900 new pages, a quarter of its whole-process time
//! (BENCHMARKS.md, "Huge-page arena"). The arena is one region advised for
//! 2 MiB pages, so the first touch of 2 MiB costs one fault (and the
//! kernel's zeroing of 2 MiB, about 0.26 ms here). Its first [`LEAD`] bytes
//! stay on small pages, so that the smaller commands, which allocate less
//! than that, do not pay for zeroing a huge page. Allocating is bumping a
//! pointer, and freeing is nothing, except that the most recent block can
//! grow, shrink and be given back in place (a growing output buffer is not
//! copied).
//!
//! Memory freed inside the arena is not reused, so the arena is bounded
//! ([`SIZE`]): past it, and for every block it did not hand out, the system
//! allocator serves as usual. Long-running commands (the servers) [`close`]
//! it first, so that what they allocate while serving is reused normally.
//!
//! [`close`]: Arena::close

#![allow(unsafe_code)] // an allocator deals in raw memory by definition

use std::alloc::{GlobalAlloc, Layout, System};
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How much address space the arena takes. Pages are backed only when
/// touched, so this bounds what a command can leave unreused, not what it
/// costs.
#[cfg_attr(test, allow(dead_code))] // the unit tests reserve their own
pub const SIZE: usize = 64 << 20;

/// The unit of transparent huge pages on x86-64 and the common arm64
/// configuration; the region after the lead is aligned to it so that every
/// 2 MiB of it can be one page.
const HUGE_PAGE: usize = 2 << 20;

/// The start of the arena that stays on small pages. A huge page costs about
/// as much as 90 first touches of small pages here (BENCHMARKS.md), and
/// commands such as `version sort` of the whole database use 350 KiB: they
/// stay on small pages, and only the larger ones take huge pages.
pub const LEAD: usize = 512 << 10;

/// A bump region `[start, limit)` with its next free address. Blocks are
/// handed out below `end`, which is `limit` while the arena is open and zero
/// when it is closed or was never reserved: then everything goes to the
/// system allocator.
pub struct Arena {
    start: AtomicUsize,
    limit: AtomicUsize,
    end: AtomicUsize,
    next: AtomicUsize,
}

impl Arena {
    pub const fn new() -> Self {
        Arena {
            start: AtomicUsize::new(0),
            limit: AtomicUsize::new(0),
            end: AtomicUsize::new(0),
            next: AtomicUsize::new(0),
        }
    }

    /// Maps the region and advises all of it but the [`LEAD`] for huge
    /// pages. Called once, before the process has other threads; on any
    /// failure the arena stays empty and the system allocator serves
    /// everything.
    pub fn reserve(&self, size: usize) {
        if self.limit.load(Ordering::Acquire) != 0 || size <= LEAD {
            return;
        }
        let Some(mapped) = size.checked_add(HUGE_PAGE) else {
            return;
        };
        // SAFETY: an anonymous private mapping at an address of the kernel's
        // choice touches no existing memory. MAP_NORESERVE: address space
        // only, backed on first touch.
        let base = unsafe {
            libc::mmap(
                ptr::null_mut(),
                mapped,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return;
        }
        let huge = (base as usize + LEAD).next_multiple_of(HUGE_PAGE);
        let start = huge - LEAD;
        // SAFETY: `[start, start + size)` lies inside the mapping just made
        // (it was made one huge page larger than `size`, and `start` is at
        // most a huge page past its base). The advice is only a hint; without
        // transparent huge pages it fails and the arena still works on small
        // pages.
        unsafe {
            libc::madvise(huge as *mut libc::c_void, size - LEAD, libc::MADV_HUGEPAGE);
        }
        self.start.store(start, Ordering::Relaxed);
        self.next.store(start, Ordering::Relaxed);
        self.limit.store(start + size, Ordering::Relaxed);
        self.end.store(start + size, Ordering::Release);
    }

    /// Hands out nothing more: blocks already in the arena stay valid, and
    /// from now on the system allocator serves every request.
    pub fn close(&self) {
        self.end.store(0, Ordering::Release);
    }

    /// Whether `ptr` was handed out by the arena (it is inside the region).
    fn contains(&self, ptr: *mut u8) -> bool {
        let addr = ptr as usize;
        addr >= self.start.load(Ordering::Relaxed) && addr < self.limit.load(Ordering::Relaxed)
    }

    /// Bumps `next` past a block of `layout`, or returns `None` when the
    /// arena is closed or has no room left.
    fn bump(&self, layout: Layout) -> Option<*mut u8> {
        let end = self.end.load(Ordering::Acquire);
        let mut next = self.next.load(Ordering::Relaxed);
        loop {
            let at = next.checked_next_multiple_of(layout.align())?;
            let after = at.checked_add(layout.size())?;
            if after > end {
                return None;
            }
            match self
                .next
                .compare_exchange_weak(next, after, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return Some(at as *mut u8),
                Err(seen) => next = seen,
            }
        }
    }

    /// Moves the top of the arena from the end of the block at `ptr` of
    /// `old` bytes to `new` bytes after `ptr`, if that block is the most
    /// recent one and the new end fits.
    fn resize_top(&self, ptr: *mut u8, old: usize, new: usize) -> bool {
        let at = ptr as usize;
        let end = self.end.load(Ordering::Acquire);
        match at.checked_add(new) {
            Some(after) if after <= end => self
                .next
                .compare_exchange(at + old, after, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok(),
            _ => false,
        }
    }
}

impl Default for Arena {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every block the arena hands out lies inside its region, is aligned
// as asked, and belongs to one caller: `next` only moves past a block by a
// successful compare-and-swap, and only moves back over a block that is the
// most recent one and is being freed or resized by its owner. Blocks from
// outside the region are the system allocator's and go back to it.
unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.bump(layout) {
            Some(block) => block,
            // SAFETY: the caller's layout, passed on unchanged.
            None => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if self.contains(ptr) {
            // The most recent block is given back; any other stays unused.
            self.resize_top(ptr, layout.size(), 0);
        } else {
            // SAFETY: the system allocator's block, with its layout.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !self.contains(ptr) {
            // SAFETY: the system allocator's block, with the caller's sizes.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // The most recent block grows and shrinks in place; any other
        // shrinks in place too, its tail left unused.
        if self.resize_top(ptr, layout.size(), new_size) || new_size <= layout.size() {
            return ptr;
        }
        // SAFETY: the caller guarantees `new_size` with the block's alignment
        // makes a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a valid layout of non-zero size (it is larger than the old).
        let moved = unsafe { self.alloc(new_layout) };
        if !moved.is_null() {
            // SAFETY: both blocks are live, distinct, and at least
            // `layout.size()` bytes long.
            unsafe { ptr::copy_nonoverlapping(ptr, moved, layout.size()) };
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A block the tests hold: where, its layout, and the byte it was filled with.
    struct Held {
        ptr: *mut u8,
        layout: Layout,
        fill: u8,
    }

    fn reserved(size: usize) -> Arena {
        let arena = Arena::new();
        arena.reserve(size);
        assert!(arena.end.load(Ordering::Relaxed) != 0, "mmap failed");
        arena
    }

    fn fill(block: &Held) {
        // SAFETY: the block is live and `layout.size()` bytes long.
        unsafe { ptr::write_bytes(block.ptr, block.fill, block.layout.size()) }
    }

    /// Every held block is aligned, still holds its bytes, and overlaps no other.
    fn check(held: &[Held]) {
        let mut spans: Vec<(usize, usize)> = held
            .iter()
            .map(|b| (b.ptr as usize, b.ptr as usize + b.layout.size()))
            .collect();
        spans.sort_unstable();
        for pair in spans.windows(2) {
            assert!(pair[0].1 <= pair[1].0, "blocks overlap: {pair:?}");
        }
        for b in held {
            assert_eq!(b.ptr as usize % b.layout.align(), 0);
            // SAFETY: the block is live and `layout.size()` bytes long.
            let bytes = unsafe { std::slice::from_raw_parts(b.ptr, b.layout.size()) };
            assert!(bytes.iter().all(|&x| x == b.fill), "a block lost its bytes");
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Alloc { size: usize, align_log: u32 },
        Realloc { pick: usize, size: usize },
        Free { pick: usize },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1usize..5000, 0u32..7).prop_map(|(size, align_log)| Op::Alloc { size, align_log }),
            (any::<usize>(), 1usize..9000).prop_map(|(pick, size)| Op::Realloc { pick, size }),
            any::<usize>().prop_map(|pick| Op::Free { pick }),
        ]
    }

    proptest! {
        /// Any sequence of requests, in an arena small enough to run out (so
        /// that the system allocator takes over part way), keeps every live
        /// block's bytes, alignment and exclusiveness.
        #[test]
        fn blocks_stay_intact(ops in prop::collection::vec(op(), 1..200)) {
            let arena = reserved(LEAD + (64 << 10));
            let mut held: Vec<Held> = Vec::new();
            for (n, op) in ops.into_iter().enumerate() {
                let fill_byte = (n % 251) as u8 + 1;
                match op {
                    Op::Alloc { size, align_log } => {
                        let layout = Layout::from_size_align(size, 1 << align_log).unwrap();
                        // SAFETY: a non-zero size.
                        let ptr = unsafe { arena.alloc(layout) };
                        assert!(!ptr.is_null());
                        let block = Held { ptr, layout, fill: fill_byte };
                        fill(&block);
                        held.push(block);
                    }
                    Op::Realloc { pick, size } if !held.is_empty() => {
                        let at = pick % held.len();
                        let block = &mut held[at];
                        // SAFETY: a live block of this layout, a non-zero size.
                        let ptr = unsafe { arena.realloc(block.ptr, block.layout, size) };
                        assert!(!ptr.is_null());
                        let kept = block.layout.size().min(size);
                        // SAFETY: the new block is at least `kept` bytes long.
                        let bytes = unsafe { std::slice::from_raw_parts(ptr, kept) };
                        assert!(bytes.iter().all(|&x| x == block.fill), "realloc lost bytes");
                        block.ptr = ptr;
                        block.layout = Layout::from_size_align(size, block.layout.align()).unwrap();
                        block.fill = fill_byte;
                        fill(block);
                    }
                    Op::Free { pick } if !held.is_empty() => {
                        let block = held.swap_remove(pick % held.len());
                        // SAFETY: a live block of this layout, not used again.
                        unsafe { arena.dealloc(block.ptr, block.layout) };
                    }
                    _ => {}
                }
                check(&held);
            }
            for block in held {
                // SAFETY: live blocks, freed once.
                unsafe { arena.dealloc(block.ptr, block.layout) };
            }
        }
    }

    #[test]
    fn the_most_recent_block_grows_shrinks_and_is_given_back_in_place() {
        let arena = reserved(1 << 20);
        let layout = Layout::from_size_align(100, 8).unwrap();
        // SAFETY: valid layouts and sizes throughout; each block freed once.
        unsafe {
            let first = arena.alloc(layout);
            let grown = arena.realloc(first, layout, 10_000);
            assert_eq!(grown, first, "the top block grows where it is");
            let big = Layout::from_size_align(10_000, 8).unwrap();
            arena.dealloc(grown, big);
            let again = arena.alloc(layout);
            assert_eq!(again, first, "a freed top block is handed out again");
            let second = arena.alloc(layout);
            let moved = arena.realloc(again, layout, 200);
            assert_ne!(moved, again, "a block below the top moves to grow");
            assert!(arena.contains(moved) && arena.contains(second));
        }
    }

    #[test]
    fn a_closed_or_full_arena_hands_over_to_the_system_allocator() {
        let arena = reserved(LEAD + (1 << 16));
        let small = Layout::from_size_align(64, 8).unwrap();
        let large = Layout::from_size_align(LEAD + (1 << 17), 8).unwrap();
        // SAFETY: valid layouts; each block freed once with its layout.
        unsafe {
            let inside = arena.alloc(small);
            assert!(arena.contains(inside));
            let outside = arena.alloc(large);
            assert!(!arena.contains(outside), "larger than the arena");
            arena.close();
            let after = arena.alloc(small);
            assert!(!arena.contains(after), "closed");
            let grown = arena.realloc(inside, small, 128);
            assert!(!arena.contains(grown), "a closed arena grows nothing");
            arena.dealloc(grown, Layout::from_size_align(128, 8).unwrap());
            arena.dealloc(after, small);
            arena.dealloc(outside, large);
        }
    }

    #[test]
    fn threads_get_disjoint_blocks() {
        let arena = reserved(1 << 20);
        let blocks: Vec<(usize, usize)> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..4u8)
                .map(|t| {
                    let arena = &arena;
                    scope.spawn(move || {
                        (0..500)
                            .map(|i| {
                                let layout = Layout::from_size_align(1 + (i % 97), 8).unwrap();
                                // SAFETY: a non-zero size; the blocks are never freed.
                                let ptr = unsafe { arena.alloc(layout) };
                                // SAFETY: the block is `layout.size()` bytes long.
                                unsafe { ptr::write_bytes(ptr, t, layout.size()) };
                                (ptr as usize, layout.size())
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect()
        });
        let mut spans: Vec<_> = blocks.iter().map(|&(at, len)| (at, at + len)).collect();
        spans.sort_unstable();
        assert!(spans.windows(2).all(|p| p[0].1 <= p[1].0), "blocks overlap");
    }
}

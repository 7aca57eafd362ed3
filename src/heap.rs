//! The wasm heap: a small allocator in place of std's dlmalloc, which weighs about 7 KB of the
//! wasm that every player downloads.
//!
//! Blocks up to 64 KiB come in power-of-two sizes from 16 bytes, each size with its own list of
//! free blocks; a freed block waits on its list for the next request of that size. Larger
//! blocks are whole 64 KiB pages, kept on one list when freed and reused first fit, split when
//! larger than asked. New blocks are cut from the end of the memory, which grows a page or more
//! at a time (wasm memory never shrinks, so nothing is ever given back).
//!
//! What the engine allocates repeats: encoded spans of a few hundred bytes, bodies up to 60 KB,
//! the scratch buffer. Lists by size serve that without searching, and the memory a burst of
//! spans took is reused by the next (`make bench` measures memory flat from 100k to 1M spans).
//! Rounding to powers of two costs at most half of a block, measured in the same figure.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;
use std::ptr;

/// The wasm page.
const PAGE: usize = 65_536;
/// The smallest block: room for the free list's link, and 16-byte alignment.
const MIN: usize = 16;
/// Sizes 16, 32, ..., 64 KiB.
const CLASSES: usize = 13;

/// Where new memory comes from: `grow(pages)` adds that many pages and returns the address of
/// the first, or `None` when the memory cannot grow.
pub trait Grow {
    /// See the trait.
    fn grow(&mut self, pages: usize) -> Option<usize>;
}

/// The allocator's state.
pub struct Heap<G: Grow> {
    /// The first free block of each size (0: none); each holds the address of the next.
    free: [usize; CLASSES],
    /// The first free run of pages (0: none); each holds the next one's address and its pages.
    runs: usize,
    /// Where the next block is cut, and the end of the memory it is cut from.
    bump: usize,
    end: usize,
    grow: G,
}

/// The size class of `size` bytes aligned to `align` (a power of two), if it is small.
fn class(size: usize, align: usize) -> Option<usize> {
    let size = size.max(align).max(MIN).next_power_of_two();
    (size <= PAGE).then(|| (size.trailing_zeros() - MIN.trailing_zeros()) as usize)
}

fn pages(size: usize) -> usize {
    size.div_ceil(PAGE).max(1)
}

impl<G: Grow> Heap<G> {
    /// An empty heap taking memory from `grow`.
    pub const fn new(grow: G) -> Self {
        Self { free: [0; CLASSES], runs: 0, bump: 0, end: 0, grow }
    }

    /// Cuts `size` bytes aligned to `align` (at most a page) from the end of the memory,
    /// growing it by what is missing; 0 if it cannot grow.
    fn cut(&mut self, size: usize, align: usize) -> usize {
        let at = self.bump.next_multiple_of(align);
        if self.bump != 0 && at + size <= self.end {
            self.bump = at + size;
            return at;
        }
        let contiguous = self.bump != 0;
        let lack = if contiguous { at + size - self.end } else { size };
        let Some(start) = self.grow.grow(pages(lack)) else { return 0 };
        let mut end = start + pages(lack) * PAGE;
        let at = if contiguous && start == self.end {
            at
        } else {
            // The block starts the new memory (page-aligned), which must hold all of it.
            if end - start < size {
                let more = pages(size - (end - start));
                match self.grow.grow(more) {
                    Some(next) if next == end => end += more * PAGE,
                    _ => return 0,
                }
            }
            start
        };
        self.end = end;
        self.bump = at + size;
        at
    }

    /// A block for `layout`, or null (also for an alignment over a page, which nothing asks).
    ///
    /// # Safety
    /// As [`GlobalAlloc::alloc`].
    #[inline(never)]
    pub unsafe fn alloc(&mut self, layout: Layout) -> *mut u8 {
        if layout.align() > PAGE {
            return ptr::null_mut();
        }
        match class(layout.size(), layout.align()) {
            Some(c) => {
                let head = self.free[c];
                // A block of the list is aligned to 16 at least; a rarer larger alignment gets
                // a new block, cut at that alignment.
                if head != 0 && layout.align() <= MIN {
                    self.free[c] = *(head as *const usize);
                    return head as *mut u8;
                }
                self.cut(MIN << c, layout.align().max(MIN)) as *mut u8
            }
            None => self.alloc_pages(pages(layout.size())),
        }
    }

    /// A run of `n` pages: a freed one that is long enough (the rest stays free), or new ones.
    unsafe fn alloc_pages(&mut self, n: usize) -> *mut u8 {
        let mut link: *mut usize = &mut self.runs;
        while *link != 0 {
            let run = *link;
            let (next, len) = (*(run as *const usize), *(run as *const usize).add(1));
            if len >= n {
                if len > n {
                    let rest = run + n * PAGE;
                    *(rest as *mut usize) = next;
                    *(rest as *mut usize).add(1) = len - n;
                    *link = rest;
                } else {
                    *link = next;
                }
                return run as *mut u8;
            }
            link = run as *mut usize;
        }
        self.cut(n * PAGE, PAGE) as *mut u8
    }

    /// Frees a block.
    ///
    /// # Safety
    /// As [`GlobalAlloc::dealloc`].
    #[inline(never)]
    pub unsafe fn dealloc(&mut self, block: *mut u8, layout: Layout) {
        let at = block as usize;
        match class(layout.size(), layout.align()) {
            Some(c) => {
                *(at as *mut usize) = self.free[c];
                self.free[c] = at;
            }
            None => {
                *(at as *mut usize) = self.runs;
                *(at as *mut usize).add(1) = pages(layout.size());
                self.runs = at;
            }
        }
    }

    /// Resizes a block: in place if its size class (or page count) stays, else moved.
    ///
    /// # Safety
    /// As [`GlobalAlloc::realloc`].
    #[inline(never)]
    pub unsafe fn realloc(&mut self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = class(layout.size(), layout.align());
        let same = match (old, class(new_size, layout.align())) {
            (Some(a), Some(b)) => a == b,
            (None, None) => pages(layout.size()) == pages(new_size),
            _ => false,
        };
        if same {
            return block;
        }
        // The last block cut grows where it is, if the memory it was cut from has room.
        let at = block as usize;
        if let (Some(a), Some(b)) = (old, class(new_size, layout.align())) {
            if b > a && at + (MIN << a) == self.bump && at + (MIN << b) <= self.end {
                self.bump = at + (MIN << b);
                return block;
            }
        }
        let moved = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
        if !moved.is_null() {
            ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
            self.dealloc(block, layout);
        }
        moved
    }
}

/// The wasm memory's `memory.grow`.
#[cfg(target_arch = "wasm32")]
pub struct WasmMemory;

#[cfg(target_arch = "wasm32")]
impl Grow for WasmMemory {
    fn grow(&mut self, pages: usize) -> Option<usize> {
        let before = core::arch::wasm32::memory_grow(0, pages);
        (before != usize::MAX).then(|| before * PAGE)
    }
}

/// The heap as the global allocator: wasm without threads runs one thing at a time.
pub struct Global<G: Grow>(UnsafeCell<Heap<G>>);

// SAFETY: built for wasm32 without the atomics feature, where there is one thread.
unsafe impl<G: Grow> Sync for Global<G> {}

impl<G: Grow> Global<G> {
    /// A global heap taking memory from `grow`.
    pub const fn new(grow: G) -> Self {
        Self(UnsafeCell::new(Heap::new(grow)))
    }
}

unsafe impl<G: Grow> GlobalAlloc for Global<G> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        (*self.0.get()).alloc(layout)
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        (*self.0.get()).dealloc(block, layout)
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        (*self.0.get()).realloc(block, layout, new_size)
    }
}

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static HEAP: Global<WasmMemory> = Global::new(WasmMemory);

#[cfg(test)]
mod tests {
    use super::*;

    /// Memory for tests: an aligned arena handed out a page run at a time.
    struct Arena {
        base: usize,
        used: usize,
        pages: usize,
    }

    impl Grow for Arena {
        fn grow(&mut self, pages: usize) -> Option<usize> {
            if self.used + pages > self.pages {
                return None;
            }
            let at = self.base + self.used * PAGE;
            self.used += pages;
            Some(at)
        }
    }

    fn arena(pages: usize) -> Heap<Arena> {
        let layout = Layout::from_size_align(pages * PAGE, PAGE).unwrap();
        let base = unsafe { std::alloc::alloc_zeroed(layout) } as usize;
        Heap::new(Arena { base, used: 0, pages })
    }

    /// A small generator, so the test needs no dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[test]
    fn classes_and_pages() {
        assert_eq!(class(1, 1), Some(0));
        assert_eq!(class(16, 8), Some(0));
        assert_eq!(class(17, 8), Some(1));
        assert_eq!(class(8, 64), Some(2), "alignment rounds the size up");
        assert_eq!(class(PAGE, 8), Some(CLASSES - 1));
        assert_eq!(class(PAGE + 1, 8), None);
        assert_eq!(pages(PAGE + 1), 2);
    }

    #[test]
    fn random_use_keeps_every_live_block_whole_aligned_and_apart() {
        let mut heap = arena(2_048);
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        // (address, layout, fill byte)
        let mut live: Vec<(usize, Layout, u8)> = Vec::new();
        let fill = |at: usize, size: usize, byte: u8| unsafe { ptr::write_bytes(at as *mut u8, byte, size) };
        let whole = |at: usize, size: usize, byte: u8| unsafe {
            std::slice::from_raw_parts(at as *const u8, size).iter().all(|&b| b == byte)
        };
        for step in 0..40_000u32 {
            let byte = (step % 251) as u8;
            // Frees outnumber allocations once many blocks are live, so the live set stays bounded.
            let op = if live.len() > 400 { 5 + rng.below(5) } else { rng.below(10) };
            match op {
                0..=4 => {
                    let size = match rng.below(20) {
                        0 => 70_000 + rng.below(200_000) as usize,
                        1..=3 => 1_000 + rng.below(63_000) as usize,
                        _ => 1 + rng.below(600) as usize,
                    };
                    let wide = rng.below(50) == 0;
                    let align = 1usize << rng.below(if wide { 8 } else { 4 });
                    let layout = Layout::from_size_align(size, align).unwrap();
                    let at = unsafe { heap.alloc(layout) } as usize;
                    assert_ne!(at, 0, "out of memory at step {step}");
                    assert_eq!(at % align, 0, "aligned");
                    fill(at, size, byte);
                    live.push((at, layout, byte));
                }
                5..=7 if !live.is_empty() => {
                    let (at, layout, b) = live.swap_remove(rng.below(live.len() as u64) as usize);
                    assert!(whole(at, layout.size(), b), "a block was overwritten");
                    unsafe { heap.dealloc(at as *mut u8, layout) };
                }
                _ if !live.is_empty() => {
                    let i = rng.below(live.len() as u64) as usize;
                    let (at, layout, b) = live[i];
                    let big = rng.below(10) == 0;
                    let new_size = 1 + rng.below(if big { 150_000 } else { 3_000 }) as usize;
                    let moved = unsafe { heap.realloc(at as *mut u8, layout, new_size) } as usize;
                    assert_ne!(moved, 0);
                    assert!(whole(moved, layout.size().min(new_size), b), "realloc kept the contents");
                    let layout = Layout::from_size_align(new_size, layout.align()).unwrap();
                    fill(moved, new_size, byte);
                    live[i] = (moved, layout, byte);
                }
                _ => {}
            }
        }
        // No two live blocks overlap, and each still holds what was written.
        live.sort_by_key(|l| l.0);
        for w in live.windows(2) {
            assert!(w[0].0 + w[0].1.size() <= w[1].0, "blocks overlap");
        }
        for (at, layout, b) in live {
            assert!(whole(at, layout.size(), b));
        }
    }

    #[test]
    fn freed_memory_is_reused_so_a_repeating_load_stays_flat() {
        let mut heap = arena(256);
        let mut after_first = 0;
        for round in 0..1_000 {
            let blocks: Vec<_> = (0..300)
                .map(|i| {
                    let layout = Layout::from_size_align(200 + i, 8).unwrap();
                    (unsafe { heap.alloc(layout) }, layout)
                })
                .collect();
            let body = Layout::from_size_align(120_000, 1).unwrap();
            let b = unsafe { heap.alloc(body) };
            unsafe { heap.dealloc(b, body) };
            for (p, layout) in blocks {
                unsafe { heap.dealloc(p, layout) };
            }
            if round == 0 {
                after_first = heap.grow.used;
            }
        }
        assert!(after_first <= 5, "{after_first} pages for a load of about 4.3");
        assert_eq!(heap.grow.used, after_first, "the same load again takes no new memory");
    }
}

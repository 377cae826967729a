//! Which threads may run the recursive parsers in place.
//!
//! The JS and Python analysers recurse over hostile input; they bound nesting themselves and
//! size a big stack for that bound (`ANALYSIS_STACK_BYTES` in each analyser crate). On an
//! ordinary thread an analyser hands every file to a private big-stack thread; on a thread
//! marked here it parses in place. The hand-off (a source copy, two channel messages and two
//! thread wake-ups per file) cost ~8% of a full scan, so the engine builds its workers with
//! the analysers' stack and marks them.

use std::cell::Cell;

thread_local! {
    static MARKED: Cell<bool> = const { Cell::new(false) };
}

/// Declares that the calling thread was created with a stack of at least every analyser's
/// `ANALYSIS_STACK_BYTES`. Calling it on a thread with a smaller stack turns a deeply nested
/// hostile file into a stack overflow.
pub fn mark_analysis_thread() {
    MARKED.with(|c| c.set(true));
}

/// Whether [`mark_analysis_thread`] was called on this thread.
pub fn on_analysis_thread() -> bool {
    MARKED.with(Cell::get)
}

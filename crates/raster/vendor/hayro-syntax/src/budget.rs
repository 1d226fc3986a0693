//! diagram-convert patch 1: a memory budget for buffers sized by values read from a file.
//!
//! A PDF of a few hundred bytes can declare an image of 2^32 pixels, a predictor row of
//! 2^31 bytes or a flate stream that inflates a thousandfold. Every place in hayro that
//! sizes an allocation from such values asks [`allow`] first; past the budget the
//! allocation is not made, the decoder fails (or the drawing is skipped) as for bad
//! data, and the first refusal is recorded as an [`Overrun`] that the caller of
//! [`limit`] gets back.
//!
//! The budget is per thread and set around a call with [`limit`]: decoding is lazy
//! (`Stream::decoded` is reached from parsing code, fonts, images and the rasteriser's
//! device, none of which carries settings), and a page is interpreted and drawn on the
//! thread that asked for it. Outside [`limit`] there is no budget, as upstream.
//!
//! The budget bounds each buffer, not their sum: a page cannot make hayro allocate one
//! buffer larger than the budget, but many buffers just under it add up.

#[cfg(feature = "std")]
use std::cell::Cell;

/// A refused allocation: the first one on the thread inside [`limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overrun {
    /// What the buffer was for, e.g. "a decoded image".
    pub what: &'static str,
    /// The bytes it needed (saturated at `u64::MAX`).
    pub bytes: u64,
    /// The budget it was refused under.
    pub budget: u64,
}

#[cfg(feature = "std")]
std::thread_local! {
    static BUDGET: Cell<Option<u64>> = const { Cell::new(None) };
    static OVERRUN: Cell<Option<Overrun>> = const { Cell::new(None) };
}

/// Runs `f` with a budget of `max_bytes` for every buffer sized from the file, and
/// returns its result with the first allocation that was refused, if any.
///
/// Nested calls use the inner budget and report to the innermost caller; the outer
/// budget and its record are restored afterwards. Without the `std` feature there is no
/// budget and `f` just runs.
pub fn limit<R>(max_bytes: u64, f: impl FnOnce() -> R) -> (R, Option<Overrun>) {
    #[cfg(feature = "std")]
    {
        struct Restore(Option<u64>, Option<Overrun>);
        impl Drop for Restore {
            fn drop(&mut self) {
                BUDGET.with(|b| b.set(self.0));
                OVERRUN.with(|o| o.set(self.1));
            }
        }
        let _restore = Restore(
            BUDGET.with(|b| b.replace(Some(max_bytes))),
            OVERRUN.with(|o| o.take()),
        );
        let result = f();
        let overrun = OVERRUN.with(|o| o.take());
        (result, overrun)
    }
    #[cfg(not(feature = "std"))]
    {
        let _ = max_bytes;
        (f(), None)
    }
}

/// Whether a buffer of `bytes` (for `what`) fits the thread's budget; if it does not,
/// the refusal is recorded (the first one only) and `false` returned. Always `true`
/// outside [`limit`].
pub fn allow(what: &'static str, bytes: u64) -> bool {
    #[cfg(feature = "std")]
    {
        match BUDGET.with(Cell::get) {
            Some(budget) if bytes > budget => {
                OVERRUN.with(|o| {
                    if o.get().is_none() {
                        o.set(Some(Overrun {
                            what,
                            bytes,
                            budget,
                        }));
                    }
                });
                false
            }
            _ => true,
        }
    }
    #[cfg(not(feature = "std"))]
    {
        let _ = (what, bytes);
        true
    }
}

/// [`allow`] for a product of sizes, which fails when the product overflows.
pub fn allow_product(what: &'static str, factors: &[u64]) -> bool {
    let bytes = factors
        .iter()
        .try_fold(1_u64, |acc, f| acc.checked_mul(*f))
        .unwrap_or(u64::MAX);
    allow(what, bytes)
}

/// The thread's budget in bytes, if one is set.
pub fn current() -> Option<u64> {
    #[cfg(feature = "std")]
    {
        BUDGET.with(Cell::get)
    }
    #[cfg(not(feature = "std"))]
    {
        None
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_recorded_inside_limit_only() {
        assert!(allow("x", u64::MAX));
        let (ok, overrun) = limit(10, || {
            (allow("small", 10), allow("big", 11), allow("b2", 99))
        });
        assert_eq!(ok, (true, false, false));
        assert_eq!(
            overrun,
            Some(Overrun {
                what: "big",
                bytes: 11,
                budget: 10
            })
        );
        assert_eq!(current(), None);
        assert!(!limit(1, || allow_product("p", &[u64::MAX, 2])).0);
    }
}

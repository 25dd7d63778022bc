//! When two sums of printed figures are equal: the one closeness policy of every rule
//! evaluator (the reconciler, the legacy checks, the cross-year pass, and the
//! flattened-text splitter when it tests a reading against the template's identities).

/// Relative tolerance of [`close`].
///
/// Relative, because the only error to absorb is binary rounding in sums of decimal
/// amounts (0.1 + 0.2 ≠ 0.3), which grows with their magnitude: a few hundred terms
/// carry at most ~1e-13 of the sum. 1e-9 of the larger side is far above that and far
/// below a printed step: 0.01 of an amount is a difference below 10⁶ (tables print
/// amounts in 万元, far smaller), and a count's step of 1 below 10⁸.
pub const RELATIVE_TOLERANCE: f64 = 1e-9;

/// Whether `a` and `b` are the same figure: they differ by less than
/// [`RELATIVE_TOLERANCE`] of the larger of |a|, |b| and 1 (so that sums near zero are
/// compared absolutely).
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < RELATIVE_TOLERANCE * a.abs().max(b.abs()).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decimal_rounding_is_absorbed_and_printed_steps_are_not() {
        assert!(close(0.1 + 0.2, 0.3));
        assert!(close(0.0, 0.0));
        assert!(!close(1.0, 2.0));
        assert!(!close(999_999.99, 999_999.98));
        assert!(!close(99_999_999.0, 100_000_000.0));
    }

    proptest! {
        /// A sum of two-decimal amounts equals its exactly computed total (in cents),
        /// and is never equal to that total plus one cent.
        #[test]
        fn sums_of_amounts(cents in proptest::collection::vec(0u32..1_000_000, 1..300)) {
            let sum: f64 = cents.iter().map(|&c| f64::from(c) / 100.0).sum();
            let exact: u64 = cents.iter().map(|&c| u64::from(c)).sum();
            // Totals below 10⁶ (one cent is then still above the tolerance).
            prop_assume!(exact < 100_000_000);
            let exact = exact as f64 / 100.0;
            prop_assert!(close(sum, exact));
            prop_assert!(!close(sum, exact + 0.01));
        }
    }
}

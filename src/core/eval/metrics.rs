//! Classification and proportion metrics, defined exactly as scikit-learn defines them.
//!
//! Users compare Debrief's numbers with notebooks, so the definitions are scikit-learn's, not
//! "close enough": [`accuracy_score`], [`precision_recall_fscore_support`] with
//! `zero_division=0`, [`confusion_matrix`] (labels sorted, rows = true, columns = predicted) and
//! [`cohen_kappa_score`] (unweighted). Where scikit-learn raises (empty input) or returns NaN
//! (an undefined kappa), these return `None`, so no NaN ever reaches a report or a JSON file.
//! [`wilson_interval`] is the Wilson score interval (statsmodels' `proportion_confint(...,
//! method="wilson")`), the interval that stays inside [0, 1] and behaves at small n.
//!
//! Inputs are `(true, predicted)` pairs rather than two slices, so a length mismatch cannot
//! happen. Labels are any `Ord` type; "sorted" means that type's order (for strings, code-point
//! order, which is NumPy's order too; for booleans, `false` before `true`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// z for a two-sided 95% interval (scipy's `norm.ppf(0.975)`, 1.959963984540054).
pub const Z_95: f64 = 1.959_963_984_540_054;

/// Share of pairs whose prediction equals the truth (`accuracy_score`). `None` for no pairs.
pub fn accuracy_score<T: PartialEq>(pairs: &[(T, T)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let right = pairs.iter().filter(|(t, p)| t == p).count();
    Some(right as f64 / pairs.len() as f64)
}

/// Precision, recall, F1 and support of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassScores<T> {
    pub label: T,
    /// tp / (tp + fp); 0 when nothing was predicted as this class (`zero_division=0`).
    pub precision: f64,
    /// tp / (tp + fn); 0 when the class never occurs in the truth.
    pub recall: f64,
    /// 2·tp / (2·tp + fp + fn), which is 2PR / (P + R) whenever that is defined; else 0.
    pub f1: f64,
    /// How often the class occurs in the truth (tp + fn).
    pub support: usize,
    /// How often the class was predicted (tp + fp): the n behind `precision`.
    pub predicted: usize,
}

/// Sorted union of the labels in both columns (scikit-learn's `unique_labels`).
pub fn sorted_labels<T: Ord + Clone>(pairs: &[(T, T)]) -> Vec<T> {
    let set: BTreeSet<&T> = pairs.iter().flat_map(|(t, p)| [t, p]).collect();
    set.into_iter().cloned().collect()
}

/// `precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)`, one entry
/// per label. With `labels = None` the labels are [`sorted_labels`]; with explicit labels, pairs
/// whose values are not among them still count where they can (a prediction outside `labels` is
/// a false negative of its true class and a false positive of no listed class), as in sklearn.
pub fn precision_recall_fscore_support<T: Ord + Clone>(
    pairs: &[(T, T)],
    labels: Option<&[T]>,
) -> Vec<ClassScores<T>> {
    let labels = labels.map(<[T]>::to_vec).unwrap_or_else(|| sorted_labels(pairs));
    labels
        .into_iter()
        .map(|label| {
            let tp = pairs.iter().filter(|(t, p)| *t == label && *p == label).count();
            let support = pairs.iter().filter(|(t, _)| *t == label).count();
            let predicted = pairs.iter().filter(|(_, p)| *p == label).count();
            ClassScores {
                label,
                precision: ratio(tp, predicted),
                recall: ratio(tp, support),
                f1: ratio(2 * tp, support + predicted),
                support,
                predicted,
            }
        })
        .collect()
}

/// Unweighted means over classes (`average="macro"`): mean precision, mean recall, mean F1.
/// The macro F1 is the mean of the per-class F1s, not the F1 of the mean precision and recall.
/// `None` when there are no classes.
pub fn macro_average<T>(scores: &[ClassScores<T>]) -> Option<(f64, f64, f64)> {
    if scores.is_empty() {
        return None;
    }
    let n = scores.len() as f64;
    let sum = |f: fn(&ClassScores<T>) -> f64| scores.iter().map(f).sum::<f64>() / n;
    Some((sum(|s| s.precision), sum(|s| s.recall), sum(|s| s.f1)))
}

/// A confusion matrix: `counts[i][j]` = pairs with truth `labels[i]` predicted as `labels[j]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix<T> {
    pub labels: Vec<T>,
    /// Rows = true label, columns = predicted label, both in `labels` order.
    pub counts: Vec<Vec<usize>>,
}

/// `confusion_matrix(y_true, y_pred, labels=labels)`. With `labels = None` the labels are
/// [`sorted_labels`]; pairs with a value outside explicit `labels` are left out, as in sklearn.
pub fn confusion_matrix<T: Ord + Clone>(pairs: &[(T, T)], labels: Option<&[T]>) -> ConfusionMatrix<T> {
    let labels = labels.map(<[T]>::to_vec).unwrap_or_else(|| sorted_labels(pairs));
    let mut counts = vec![vec![0; labels.len()]; labels.len()];
    for (t, p) in pairs {
        let (Some(i), Some(j)) = (labels.iter().position(|l| l == t), labels.iter().position(|l| l == p))
        else {
            continue;
        };
        counts[i][j] += 1;
    }
    ConfusionMatrix { labels, counts }
}

/// Cohen's kappa between two raters (`cohen_kappa_score(y1, y2)`, unweighted):
/// κ = (pₒ − pₑ) / (1 − pₑ), computed as sklearn does, 1 − Σ off-diagonal observed / Σ
/// off-diagonal expected, here in exact integer arithmetic up to the last division.
///
/// `None` when kappa is undefined: no pairs (sklearn raises), or pₑ = 1, which happens exactly
/// when both raters gave every item one and the same label (sklearn 1.9 warns and returns its
/// `replace_undefined_by`, NaN by default). Two raters who agree perfectly on one label have
/// nothing to be measured against chance, so no number is the honest answer.
pub fn cohen_kappa_score<T: Ord + Clone>(pairs: &[(T, T)]) -> Option<f64> {
    let m = confusion_matrix(pairs, None);
    let n = pairs.len() as u128;
    if n == 0 {
        return None;
    }
    let k = m.labels.len();
    let row = |i: usize| m.counts[i].iter().sum::<usize>() as u128;
    let col = |j: usize| m.counts.iter().map(|r| r[j]).sum::<usize>() as u128;
    let diagonal: u128 = (0..k).map(|i| m.counts[i][i] as u128).sum();
    let chance_diagonal: u128 = (0..k).map(|i| row(i) * col(i)).sum();
    // Off-diagonal expected counts sum to (n² − Σ rowᵢ·colᵢ) / n; observed to n − trace.
    let expected_off = n * n - chance_diagonal;
    if expected_off == 0 {
        return None;
    }
    let observed_off = n - diagonal;
    Some(1.0 - (observed_off * n) as f64 / expected_off as f64)
}

/// A two-sided confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// Wilson score 95% interval for `successes` out of `n`:
/// centre (p̂ + z²/2n) / (1 + z²/n), half-width z/(1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²),
/// with z = [`Z_95`]. `None` when n = 0 (or `successes > n`).
pub fn wilson_interval(successes: usize, n: usize) -> Option<Interval> {
    if n == 0 || successes > n {
        return None;
    }
    let (k, n) = (successes as f64, n as f64);
    let p = k / n;
    let z2 = Z_95 * Z_95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z_95 / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At p̂ = 0 (p̂ = 1) the low (high) end is exactly 0 (1); say so rather than leave rounding.
    let low = if successes == 0 { 0.0 } else { (centre - half).max(0.0) };
    let high = if successes as f64 == n { 1.0 } else { (centre + half).min(1.0) };
    Some(Interval { low, high })
}

/// Mean of |true − predicted| (`mean_absolute_error`). `None` for no pairs.
pub fn mean_absolute_error(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    Some(pairs.iter().map(|(t, p)| (t - p).abs()).sum::<f64>() / pairs.len() as f64)
}

/// Whether `predicted` is within `tolerance` of `truth` (inclusive). A tiny relative slack
/// absorbs binary rounding, so 0.3 is within 0.1 of 0.2.
pub fn within(truth: f64, predicted: f64, tolerance: f64) -> bool {
    let slack = 1e-9 * truth.abs().max(predicted.abs()).max(1.0);
    (truth - predicted).abs() <= tolerance.abs() + slack
}

/// Share of pairs with |true − predicted| ≤ `tolerance` (see [`within`]). `None` for no pairs.
pub fn share_within_tolerance(pairs: &[(f64, f64)], tolerance: f64) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let inside = pairs.iter().filter(|(t, p)| within(*t, *p, tolerance)).count();
    Some(inside as f64 / pairs.len() as f64)
}

/// `numerator / denominator`, or 0 when the denominator is 0 (`zero_division=0`).
pub(crate) fn ratio(numerator: usize, denominator: usize) -> f64 {
    if denominator == 0 { 0.0 } else { numerator as f64 / denominator as f64 }
}

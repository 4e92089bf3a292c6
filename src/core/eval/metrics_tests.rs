//! Hand-worked values for [`super::metrics`]. Every expected number is worked out in the
//! comments, and was also checked against scikit-learn 1.9.1 (and statsmodels for the Wilson
//! interval): the sklearn output is quoted where it adds something.

use super::metrics::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

fn pairs<'a>(t: &[&'a str], p: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    t.iter().copied().zip(p.iter().copied()).collect()
}

/// y_true = [cat, cat, dog, dog, dog, bird], y_pred = [cat, dog, dog, dog, cat, bird].
fn animals() -> Vec<(&'static str, &'static str)> {
    pairs(&["cat", "cat", "dog", "dog", "dog", "bird"], &["cat", "dog", "dog", "dog", "cat", "bird"])
}

#[test]
fn accuracy_counts_equal_pairs() {
    // right: cat, -, dog, dog, -, bird = 4 of 6.
    assert!(close(accuracy_score(&animals()).unwrap(), 4.0 / 6.0));
    assert_eq!(accuracy_score::<&str>(&[]), None); // sklearn raises on empty input
}

#[test]
fn per_class_scores_multiclass() {
    // labels sorted: bird, cat, dog.
    // bird: tp 1, support 1, predicted 1 → P 1, R 1, F1 1.
    // cat:  tp 1 (pair 1), support 2, predicted 2 (pairs 1, 5) → P 1/2, R 1/2, F1 2·1/(2+2) = 1/2.
    // dog:  tp 2, support 3, predicted 3 (pairs 2, 3, 4) → P 2/3, R 2/3, F1 4/6 = 2/3.
    let s = precision_recall_fscore_support(&animals(), None);
    let labels: Vec<&str> = s.iter().map(|c| c.label).collect();
    assert_eq!(labels, ["bird", "cat", "dog"]);
    let want = [(1.0, 1.0, 1.0, 1), (0.5, 0.5, 0.5, 2), (2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 3)];
    for (c, (p, r, f, n)) in s.iter().zip(want) {
        assert!(close(c.precision, p) && close(c.recall, r) && close(c.f1, f), "{c:?}");
        assert_eq!(c.support, n);
    }
    // macro = (1 + 1/2 + 2/3) / 3 = 13/18 = 0.7222… (sklearn: 0.7222222222222222 for all three).
    let (p, r, f) = macro_average(&s).unwrap();
    assert!(close(p, 13.0 / 18.0) && close(r, 13.0 / 18.0) && close(f, 13.0 / 18.0));
}

#[test]
fn zero_division_is_zero() {
    // y_true [a, a, b], y_pred [a, b, a], labels [a, b, c]:
    // a: tp 1, support 2, predicted 2 → 1/2, 1/2, 1/2. b: tp 0, support 1, predicted 1 → 0, 0, 0.
    // c: never true nor predicted → 0/0 everywhere → 0 (sklearn: P [0.5, 0, 0], S [2, 1, 0]).
    let s =
        precision_recall_fscore_support(&pairs(&["a", "a", "b"], &["a", "b", "a"]), Some(&["a", "b", "c"]));
    let got: Vec<(f64, f64, f64, usize)> =
        s.iter().map(|c| (c.precision, c.recall, c.f1, c.support)).collect();
    assert_eq!(got, [(0.5, 0.5, 0.5, 2), (0.0, 0.0, 0.0, 1), (0.0, 0.0, 0.0, 0)]);
    // macro over the three listed labels: 0.5 / 3 (sklearn: 0.16666666666666666).
    assert!(close(macro_average(&s).unwrap().2, 0.5 / 3.0));

    // y_true [a, b], y_pred [a, c]: b is never predicted (P = 0/0 → 0), c never true
    // (R = 0/0 → 0, F1 = 2·0/(0 + 1) = 0). sklearn: P [1, 0, 0], R [1, 0, 0], F [1, 0, 0].
    let s = precision_recall_fscore_support(&pairs(&["a", "b"], &["a", "c"]), None);
    let got: Vec<(f64, f64, f64, usize, usize)> =
        s.iter().map(|c| (c.precision, c.recall, c.f1, c.support, c.predicted)).collect();
    assert_eq!(got, [(1.0, 1.0, 1.0, 1, 1), (0.0, 0.0, 0.0, 1, 0), (0.0, 0.0, 0.0, 0, 1)]);
}

#[test]
fn a_prediction_outside_the_labels_is_only_a_false_negative() {
    // The "(no answer)" rule of the evaluation: y_true [a, a, b, b], y_pred [a, ∅, b, a],
    // labels [a, b]. a: tp 1, support 2, predicted 2 → 1/2, 1/2, 1/2.
    // b: tp 1, support 2, predicted 1 → P 1, R 1/2, F1 2/(2 + 1) = 2/3.
    // sklearn: P [0.5, 1.0], R [0.5, 0.5], F [0.5, 0.6667], S [2, 2].
    let s = precision_recall_fscore_support(
        &pairs(&["a", "a", "b", "b"], &["a", "∅", "b", "a"]),
        Some(&["a", "b"]),
    );
    assert!(close(s[0].f1, 0.5) && close(s[1].precision, 1.0) && close(s[1].recall, 0.5));
    assert!(close(s[1].f1, 2.0 / 3.0));
}

#[test]
fn confusion_matrix_rows_true_columns_predicted() {
    // rows bird, cat, dog (true); columns the same (predicted).
    // cat → [bird 0, cat 1, dog 1]; dog → [0, cat 1, dog 2]. sklearn: [[1,0,0],[0,1,1],[0,1,2]].
    let m = confusion_matrix(&animals(), None);
    assert_eq!(m.labels, ["bird", "cat", "dog"]);
    assert_eq!(m.counts, [[1, 0, 0], [0, 1, 1], [0, 1, 2]]);
    // Explicit labels: pairs with other values are left out; an unused label is a zero row.
    let m = confusion_matrix(&pairs(&["a", "b", "x"], &["a", "a", "a"]), Some(&["a", "b", "c"]));
    assert_eq!(m.counts, [[1, 0, 0], [1, 0, 0], [0, 0, 0]]);
}

#[test]
fn booleans_sort_false_first() {
    // y_true [T, T, T, F, F], y_pred [T, F, T, F, T]: accuracy 3/5.
    // false: tp 1, support 2, predicted 2 → 1/2. true: tp 2, support 3, predicted 3 → 2/3.
    // confusion [[1, 1], [1, 2]] (sklearn: the same).
    let p = vec![(true, true), (true, false), (true, true), (false, false), (false, true)];
    assert!(close(accuracy_score(&p).unwrap(), 0.6));
    let s = precision_recall_fscore_support(&p, None);
    assert!(!s[0].label && close(s[0].f1, 0.5) && s[1].label && close(s[1].f1, 2.0 / 3.0));
    assert_eq!(confusion_matrix(&p, None).counts, [[1, 1], [1, 2]]);
    // kappa: n 5, agreements 3, row sums (2, 3), column sums (2, 3), Σ rᵢcᵢ = 4 + 9 = 13;
    // pₒ = 3/5, pₑ = 13/25, κ = (15/25 − 13/25) / (12/25) = 1/6 (sklearn: 0.16666666666666663).
    assert!(close(cohen_kappa_score(&p).unwrap(), 1.0 / 6.0));
}

#[test]
fn kappa_hand_values() {
    // animals: pₒ = 4/6; row sums (1, 2, 3), column sums (1, 2, 3), Σ rᵢcᵢ = 14, pₑ = 14/36;
    // κ = (24/36 − 14/36) / (22/36) = 10/22 (sklearn: 0.4545454545454545).
    assert!(close(cohen_kappa_score(&animals()).unwrap(), 10.0 / 22.0));
    // [a, a, b] vs [a, a, a]: pₒ = 2/3, rows (2, 1), columns (3, 0), pₑ = 6/9 → κ = 0 (sklearn: 0.0).
    assert!(close(cohen_kappa_score(&pairs(&["a", "a", "b"], &["a", "a", "a"])).unwrap(), 0.0));
    // [a, b] vs [b, a]: pₒ = 0, pₑ = 1/2 → κ = −1 (sklearn: -1.0).
    assert!(close(cohen_kappa_score(&pairs(&["a", "b"], &["b", "a"])).unwrap(), -1.0));
    // [a, a, b] vs [a, b, a]: pₒ = 1/3; rows (2, 1), columns (2, 1), Σ rᵢcᵢ = 5, pₑ = 5/9
    // → κ = (3/9 − 5/9) / (4/9) = −1/2 (sklearn: -0.5).
    assert!(close(cohen_kappa_score(&pairs(&["a", "a", "b"], &["a", "b", "a"])).unwrap(), -0.5));
}

#[test]
fn kappa_undefined_cases() {
    // One label used by both raters everywhere: pₑ = 1, 0/0. sklearn 1.9 warns and returns
    // `replace_undefined_by` (NaN by default); we return None.
    assert_eq!(cohen_kappa_score(&pairs(&["a", "a", "a"], &["a", "a", "a"])), None);
    assert_eq!(cohen_kappa_score::<&str>(&[]), None);
}

#[test]
fn wilson_hand_values() {
    // 8/10: p̂ 0.8, z² 3.841459, z²/n 0.3841459, centre (0.8 + 0.1920729)/1.3841459 = 0.7167397,
    // half 1.4160077 · √(0.016 + 0.0096036) = 0.2265772 → [0.4901625, 0.9433178].
    // statsmodels proportion_confint(8, 10, method="wilson"): (0.49016247153664183, 0.9433178485456247).
    let i = wilson_interval(8, 10).unwrap();
    assert!(
        (i.low - 0.490_162_471_536_641_83).abs() < 1e-12 && (i.high - 0.943_317_848_545_624_7).abs() < 1e-12
    );
    // 0/10: centre = half = 0.1387664 → [0, 0.2775328]; 10/10 mirrors it.
    let i = wilson_interval(0, 10).unwrap();
    assert!(i.low == 0.0 && (i.high - 0.277_532_799_862_889_26).abs() < 1e-12);
    let i = wilson_interval(10, 10).unwrap();
    assert!((i.low - 0.722_467_200_137_110_6).abs() < 1e-12 && i.high == 1.0);
    // 21/29 (statsmodels: 0.5428286758313406, 0.8530124489791205).
    let i = wilson_interval(21, 29).unwrap();
    assert!(
        (i.low - 0.542_828_675_831_340_6).abs() < 1e-12 && (i.high - 0.853_012_448_979_120_5).abs() < 1e-12
    );
    assert_eq!(wilson_interval(0, 0), None);
    assert_eq!(wilson_interval(3, 2), None);
}

#[test]
fn mean_absolute_error_and_tolerance() {
    // |3−4| + |5−5| + |2−0| + |10−7| = 1 + 0 + 2 + 3 = 6; 6/4 = 1.5 (sklearn: 1.5).
    let p = [(3.0, 4.0), (5.0, 5.0), (2.0, 0.0), (10.0, 7.0)];
    assert!(close(mean_absolute_error(&p).unwrap(), 1.5));
    // errors 1, 0, 2, 3: within 0 → 1 of 4; within 1 → 2; within 2 → 3.
    assert!(close(share_within_tolerance(&p, 0.0).unwrap(), 0.25));
    assert!(close(share_within_tolerance(&p, 1.0).unwrap(), 0.5));
    assert!(close(share_within_tolerance(&p, 2.0).unwrap(), 0.75));
    // Binary rounding does not push a boundary case out: |0.3 − 0.2| = 0.09999999999999998 ≤ 0.1.
    assert!(within(0.3, 0.2, 0.1) && within(0.2, 0.3, 0.1) && !within(0.2, 0.31, 0.1));
    assert_eq!(mean_absolute_error(&[]), None);
    assert_eq!(share_within_tolerance(&[], 1.0), None);
}

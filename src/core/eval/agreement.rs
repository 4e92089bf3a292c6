//! Agreement beyond chance: Cohen's kappa for two raters, Fleiss' kappa for three or more.
//!
//! Definitions equal scikit-learn's `cohen_kappa_score` (unweighted) and statsmodels'
//! `fleiss_kappa` (`method="fleiss"`); the unit tests use values computed with those libraries.
//! Values are compared as categories: two JSON values agree when they are equal. Both kappas are
//! undefined (`None`) when chance agreement is 1 — every rating in one category — where
//! scikit-learn returns NaN.

use std::collections::BTreeMap;

/// Cohen's kappa of two raters over the same items (`a[i]` and `b[i]` rate item `i`).
/// `None` for no items, unequal lengths, or when it is undefined.
pub fn cohen_kappa<T: Ord>(a: &[T], b: &[T]) -> Option<f64> {
    if a.is_empty() || a.len() != b.len() {
        return None;
    }
    let n = a.len() as f64;
    let observed = a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / n;
    let mut counts: BTreeMap<&T, (f64, f64)> = BTreeMap::new();
    for (x, y) in a.iter().zip(b) {
        counts.entry(x).or_default().0 += 1.0;
        counts.entry(y).or_default().1 += 1.0;
    }
    let expected: f64 = counts.values().map(|(ca, cb)| (ca / n) * (cb / n)).sum();
    if (1.0 - expected).abs() < 1e-12 {
        return None;
    }
    Some((observed - expected) / (1.0 - expected))
}

/// Fleiss' kappa of a subjects × categories table of counts, every subject rated by the same
/// number of raters (at least 2). `None` when that does not hold or kappa is undefined.
pub fn fleiss_kappa(table: &[Vec<usize>]) -> Option<f64> {
    let raters = table.first()?.iter().sum::<usize>();
    if raters < 2 || table.iter().any(|row| row.iter().sum::<usize>() != raters) {
        return None;
    }
    let (subjects, n) = (table.len() as f64, raters as f64);
    let categories = table[0].len();
    let p_j: Vec<f64> = (0..categories)
        .map(|j| table.iter().map(|row| row[j] as f64).sum::<f64>() / (subjects * n))
        .collect();
    let p_bar = table
        .iter()
        .map(|row| (row.iter().map(|&c| (c * c) as f64).sum::<f64>() - n) / (n * (n - 1.0)))
        .sum::<f64>()
        / subjects;
    let p_e: f64 = p_j.iter().map(|p| p * p).sum();
    if (1.0 - p_e).abs() < 1e-12 {
        return None;
    }
    Some((p_bar - p_e) / (1.0 - p_e))
}

/// Fleiss' table from each subject's ratings (every subject must have the same count).
pub fn fleiss_table<T: Ord + Clone>(subjects: &[Vec<T>]) -> Vec<Vec<usize>> {
    let categories: Vec<T> = {
        let mut all: Vec<T> = subjects.iter().flatten().cloned().collect();
        all.sort();
        all.dedup();
        all
    };
    subjects
        .iter()
        .map(|ratings| categories.iter().map(|c| ratings.iter().filter(|r| *r == c).count()).collect())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn cohen_equals_scikit_learn() {
        // sklearn.metrics.cohen_kappa_score(...) printed these values.
        let a = ["a", "b", "b", "a", "c", "a", "b", "c"];
        let b = ["a", "b", "a", "a", "c", "b", "b", "a"];
        assert!(close(cohen_kappa(&a, &b).unwrap(), 0.41463414634146345));
        let x = [1, 0, 1, 1, 0, 1];
        let y = [1, 0, 1, 0, 0, 1];
        assert!(close(cohen_kappa(&x, &y).unwrap(), 0.6666666666666667));
        assert_eq!(cohen_kappa(&["x", "x", "x"], &["x", "x", "x"]), None, "sklearn: nan");
        assert_eq!(cohen_kappa::<i32>(&[], &[]), None);
        assert_eq!(cohen_kappa(&[1], &[1, 2]), None);
    }

    #[test]
    fn fleiss_equals_statsmodels() {
        // The example of Fleiss (1971) as in statsmodels' docs and Wikipedia: 10 subjects,
        // 14 raters, 5 categories; statsmodels.stats.inter_rater.fleiss_kappa → 0.20993070442195522.
        let table = vec![
            vec![0, 0, 0, 0, 14],
            vec![0, 2, 6, 4, 2],
            vec![0, 0, 3, 5, 6],
            vec![0, 3, 9, 2, 0],
            vec![2, 2, 8, 1, 1],
            vec![7, 7, 0, 0, 0],
            vec![3, 2, 6, 3, 0],
            vec![2, 5, 3, 2, 2],
            vec![6, 5, 2, 1, 0],
            vec![0, 2, 2, 3, 7],
        ];
        assert!(close(fleiss_kappa(&table).unwrap(), 0.20993070442195522));
        // Three raters, two categories: statsmodels → 0.33333333333333326.
        let small = fleiss_table(&[
            vec!["y", "y", "y"],
            vec!["y", "y", "n"],
            vec!["n", "n", "n"],
            vec!["y", "n", "n"],
        ]);
        assert_eq!(small, vec![vec![0, 3], vec![1, 2], vec![3, 0], vec![2, 1]]);
        assert!(close(fleiss_kappa(&small).unwrap(), 0.33333333333333326));
        assert_eq!(fleiss_kappa(&[vec![2, 0], vec![1, 2]]), None, "unequal raters per subject");
    }
}

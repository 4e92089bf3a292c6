//! Spec settings above debrief's limits, as lint findings: `debrief lint --spec` says so with
//! exit 1, where `analyze` and `batch` refuse the spec outright.

use super::{Finding, Severity};
use crate::core::spec::{AnalysisSpec, MAX_REPAIRS};

/// Findings for the spec's settings (not its schema).
pub fn spec_limits(spec: &AnalysisSpec) -> Vec<Finding> {
    let mut findings = Vec::new();
    if spec.max_repairs > MAX_REPAIRS {
        findings.push(Finding::new(
            "too-many-repairs",
            Severity::Error,
            "",
            format!(
                "max_repairs {} is above the cap of {MAX_REPAIRS}: each repair is a paid call and more than {MAX_REPAIRS} rarely fix a reply; set \"max_repairs\" to {MAX_REPAIRS} or less",
                spec.max_repairs
            ),
        ));
    }
    findings
}

//! The dashboard of one stored run: its charts, the sentiment trend over the conversations' start
//! dates, and stability when the run analysed some conversation content more than once.
//!
//! This is the grouping the GUI used to do itself; here it is plain data in, [`Dashboard`] out,
//! so it can be tested without a window and reused by any front end.

use super::{Dashboard, build, trend};
use serde_json::Value;
use std::collections::HashMap;

/// One `ok` result of a run, as the dashboard needs it.
#[derive(Debug, Clone, Copy)]
pub struct RunRow<'a> {
    pub conversation_id: &'a str,
    /// The conversation's content hash: repeats of one content share it.
    pub conversation_hash: &'a str,
    /// When the conversation started (any format [`super::day_of`] reads), if known.
    pub started_at: Option<&'a str>,
    pub analysis: &'a Value,
}

/// The dashboard for a run's `ok` results under `schema`.
pub fn for_run(schema: &Value, rows: &[RunRow<'_>]) -> Dashboard {
    let items: Vec<(&str, &Value)> = rows.iter().map(|r| (r.conversation_id, r.analysis)).collect();
    let mut dashboard = build(schema, &items);
    let timed: Vec<(Option<&str>, &Value)> = rows.iter().map(|r| (r.started_at, r.analysis)).collect();
    dashboard.sentiment_trend = trend(schema, "sentiment", &timed);
    // Repeats: several ok analyses of one conversation content in this run. Grouped in first-seen
    // order so the stability figures do not depend on hash-map iteration.
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<Vec<&Value>> = Vec::new();
    for r in rows {
        let i = *index.entry(r.conversation_hash).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[i].push(r.analysis);
    }
    if groups.iter().any(|g| g.len() >= 2) {
        let fields = crate::core::schema::top_level_fields(schema);
        dashboard.stability = Some(crate::core::stability::stability(&fields, &groups));
    }
    dashboard
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "sentiment": {"type": "string", "enum": ["positive", "neutral", "negative"]},
            "resolved": {"type": "boolean"}
        }})
    }

    #[test]
    fn repeats_of_one_content_give_stability_and_dates_give_a_trend() {
        let a = json!({"sentiment": "positive", "resolved": true});
        let b = json!({"sentiment": "negative", "resolved": true});
        let rows = [
            RunRow {
                conversation_id: "c1",
                conversation_hash: "h1",
                started_at: Some("2026-01-01T10:00:00Z"),
                analysis: &a,
            },
            RunRow {
                conversation_id: "c1",
                conversation_hash: "h1",
                started_at: Some("2026-01-01T10:00:00Z"),
                analysis: &b,
            },
            RunRow {
                conversation_id: "c2",
                conversation_hash: "h2",
                started_at: Some("2026-01-02T10:00:00Z"),
                analysis: &a,
            },
        ];
        let d = for_run(&schema(), &rows);
        let stability = d.stability.expect("two analyses of h1 are repeats");
        let by_field: HashMap<&str, f64> =
            stability.iter().map(|s| (s.field.as_str(), s.stability)).collect();
        assert_eq!(by_field["resolved"], 1.0);
        assert_eq!(by_field["sentiment"], 0.5);
        let trend = d.sentiment_trend.expect("dated sentiment gives a trend");
        assert_eq!(trend.days.len(), 2);
    }

    #[test]
    fn no_repeats_no_stability() {
        let a = json!({"sentiment": "neutral", "resolved": false});
        let rows =
            [RunRow { conversation_id: "c1", conversation_hash: "h1", started_at: None, analysis: &a }];
        let d = for_run(&schema(), &rows);
        assert!(d.stability.is_none());
        assert!(d.sentiment_trend.is_none());
    }
}

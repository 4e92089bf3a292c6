//! Redaction in the workbench: the per-kind toggles, request bodies with their placeholders
//! marked, and the "show original values" view of a result.
//!
//! What the model saw is the default everywhere: the Raw tab and the preview show the body as
//! sent, and a result of a redacting spec is shown beside the redacted transcript, so evidence
//! quotes line up. Showing the originals is a local view: the values come from the transcript
//! on this machine ([`crate::core::redact`]), and are never written anywhere.

use crate::core::outcome::Outcome;
use crate::core::redact::{self, Kind, Redaction, Redactor};
use crate::core::transcript::Conversation;
use egui::text::LayoutJob;
use egui_extras::syntax_highlighting::{CodeTheme, highlight};

/// One checkbox per kind, and what the spec file adds (names, patterns).
pub fn toggles_ui(ui: &mut egui::Ui, redaction: &mut Redaction) {
    ui.label("Redact before sending:").on_hover_text(
        "Replaced by numbered placeholders ([CARD_1]) in everything sent to the provider; the originals stay on this machine",
    );
    // Wrapped at the visible edge: the prompt column is often narrower than its content.
    let visible = (ui.clip_rect().right() - ui.cursor().left()).max(80.0);
    ui.horizontal_wrapped(|ui| {
        ui.set_max_width(visible);
        for kind in Kind::ALL {
            let mut on = redaction.kinds.contains(&kind);
            if ui.checkbox(&mut on, kind.as_str()).on_hover_text(kind.title()).changed() {
                redaction.set(kind, on);
            }
        }
        if !redaction.names.is_empty() || !redaction.patterns.is_empty() {
            ui.weak(format!(
                "+ {} name(s), {} pattern(s) from the spec file",
                redaction.names.len(),
                redaction.patterns.len()
            ));
        }
    });
}

/// Code with syntax highlighting and every placeholder marked.
pub fn marked_code_ui(ui: &mut egui::Ui, theme: &CodeTheme, code: &str, language: &str) {
    let marks = redact::marks(code);
    let mut job = highlight(ui.ctx(), ui.style(), theme, code, language);
    if !marks.is_empty() {
        let background = egui::Color32::from_rgba_unmultiplied(120, 90, 220, 90);
        job = mark(job, &marks, background);
        let mut names: Vec<&str> = marks.iter().map(|(a, b)| &code[*a..*b]).collect();
        names.sort_unstable();
        names.dedup();
        ui.weak(format!("{} placeholder(s) sent instead of personal data: {}", marks.len(), names.join(" ")));
    }
    ui.add(egui::Label::new(job).selectable(true));
}

/// `job` with the byte ranges `marks` given `background`, sections split at their edges.
fn mark(job: LayoutJob, marks: &[(usize, usize)], background: egui::Color32) -> LayoutJob {
    let mut out = LayoutJob { text: job.text.clone(), wrap: job.wrap.clone(), ..LayoutJob::default() };
    out.halign = job.halign;
    out.justify = job.justify;
    for section in job.sections {
        let (start, end) = (section.byte_range.start.0, section.byte_range.end.0);
        let mut cuts = vec![start, end];
        for (a, b) in marks {
            cuts.extend([*a, *b].into_iter().filter(|c| *c > start && *c < end));
        }
        cuts.sort_unstable();
        cuts.dedup();
        for pair in cuts.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let mut format = section.format.clone();
            if marks.iter().any(|(s, e)| a >= *s && b <= *e) {
                format.background = background;
            }
            out.sections.push(egui::text::LayoutSection {
                leading_space: if a == start { section.leading_space } else { 0.0 },
                byte_range: egui::text::ByteIndex(a)..egui::text::ByteIndex(b),
                format,
            });
        }
    }
    out
}

/// A result and its transcript as the Analysis tab shows them.
pub struct Shown {
    pub conversation: Conversation,
    pub outcome: Outcome,
}

/// For a result of a redacting spec: the redacted transcript (what the model saw), or with
/// `originals` both the transcript and the result with the values put back.
pub fn shown(
    redaction: &Redaction,
    conversation: &Conversation,
    outcome: &Outcome,
    originals: bool,
) -> Option<Shown> {
    if redaction.is_empty() {
        return None;
    }
    let redactor = Redactor::new(redaction).ok()?;
    let sent = redact::conversation(&redactor, conversation);
    if !originals {
        return Some(Shown { conversation: sent.conversation, outcome: outcome.clone() });
    }
    let mut outcome = outcome.clone();
    if let Some(analysis) = outcome.analysis.as_mut() {
        redact::restore_value(analysis, &sent.mapping);
    }
    if let Some(evidence) = outcome.evidence.as_mut() {
        for quote in evidence.values_mut() {
            redact::restore_quote(quote, &sent);
        }
    }
    // The transcript beside it is the text as redaction read it, so the moved quotes line up.
    let mut original = conversation.clone();
    for (turn, text) in original.turns.iter_mut().zip(&sent.originals) {
        turn.text = text.clone();
    }
    Some(Shown { conversation: original, outcome })
}

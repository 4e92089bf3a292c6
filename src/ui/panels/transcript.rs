//! The transcript of a conversation: numbered turns, speakers told apart by colour, times as
//! dates when the conversation's start is known, and one quote highlighted (a field's evidence).
//!
//! Long transcripts are virtualised: each turn's height is estimated from its length and the
//! width, and only the turns in view are laid out, so a 2,000-turn call scrolls like a short one.

use crate::core::evidence::{MatchKind, Quote};
use crate::core::transcript::{Conversation, Speaker, Turn};
use egui::{Color32, RichText};

/// The colour of a speaker.
pub fn speaker_color(s: Speaker) -> Color32 {
    match s {
        Speaker::Agent => Color32::from_rgb(90, 140, 220),
        Speaker::Customer => Color32::from_rgb(220, 150, 60),
        Speaker::System => Color32::GRAY,
        Speaker::Other => Color32::from_rgb(160, 120, 200),
    }
}

/// `started_at` as written, or a Unix time in seconds or milliseconds, as a timestamp.
fn start_time(c: &Conversation) -> Option<jiff::Timestamp> {
    let raw = c.metadata.started_at.as_deref()?.trim();
    if let Ok(t) = raw.parse::<jiff::Timestamp>() {
        return Some(t);
    }
    let n: i64 = raw.parse().ok()?;
    if n > 100_000_000_000 {
        jiff::Timestamp::from_millisecond(n).ok()
    } else {
        jiff::Timestamp::from_second(n).ok()
    }
}

/// A readable date and time (UTC).
pub fn readable(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The metadata lines shown above the turns.
fn meta_ui(ui: &mut egui::Ui, c: &Conversation) {
    let m = &c.metadata;
    let started = start_time(c).map(readable).or_else(|| m.started_at.clone());
    // Plain rows of truncated labels: a grid would widen its panel to fit a long source path.
    for (k, v) in [
        ("source", Some(c.source.clone())),
        ("channel", m.channel.clone()),
        ("started", started),
        ("duration", m.duration_s.map(|d| format!("{d:.0} s"))),
        ("ended", m.ended_reason.clone()),
    ] {
        if let Some(v) = v {
            ui.horizontal(|ui| {
                ui.add_sized([60.0, 16.0], egui::Label::new(RichText::new(k).weak()));
                ui.add(egui::Label::new(v).truncate());
            });
        }
    }
}

/// Draw the transcript; `highlight` marks a quote (and `scroll` brings its turn into view).
pub fn transcript_ui(ui: &mut egui::Ui, c: &Conversation, highlight: Option<&Quote>, scroll: bool) {
    meta_ui(ui, c);
    if let Some(q) = highlight {
        let (text, color) = match q.kind {
            MatchKind::None => (
                "quote not found in the transcript — the model may have made it up",
                ui.visuals().error_fg_color,
            ),
            MatchKind::Fuzzy => ("quote found approximately (fuzzy match)", ui.visuals().warn_fg_color),
            _ => ("quote found in the transcript", ui.visuals().weak_text_color()),
        };
        ui.colored_label(color, format!("{text}: \u{201c}{}\u{201d}", q.quote));
    }
    ui.separator();
    let start = start_time(c);
    // The width really visible (a long line above must not widen the rows past the clip).
    let visible_width = ui.available_width().min(ui.clip_rect().width());
    let width = (visible_width - 130.0).max(80.0);
    let char_w = 8.0;
    let line_h = ui.text_style_height(&egui::TextStyle::Body) + 2.0;
    let heights: Vec<f32> = c
        .turns
        .iter()
        .map(|t| {
            ((t.text.chars().count() as f32 * char_w / width).ceil().max(1.0)) * line_h
                + ui.spacing().item_spacing.y
        })
        .collect();
    let total: f32 = heights.iter().sum();
    let target = highlight.and_then(|q| q.turn).filter(|_| scroll);
    let mut area =
        egui::ScrollArea::vertical().id_salt(("transcript_turns", &c.source)).auto_shrink([false, false]);
    if let Some(t) = target {
        area = area
            .vertical_scroll_offset((heights[..t.min(heights.len())].iter().sum::<f32>() - 60.0).max(0.0));
    }
    area.show_viewport(ui, |ui, viewport| {
        ui.set_height(total);
        let mut y = 0.0;
        for (i, turn) in c.turns.iter().enumerate() {
            let h = heights[i];
            if y + h >= viewport.min.y && y <= viewport.max.y {
                let rect = egui::Rect::from_min_size(
                    ui.min_rect().min + egui::vec2(0.0, y),
                    egui::vec2(ui.available_width(), h),
                );
                ui.scope_builder(egui::UiBuilder::new().max_rect(rect), |ui| {
                    turn_ui(ui, i, turn, start, highlight.filter(|q| q.turn == Some(i)));
                });
            }
            y += h;
        }
    });
}

fn turn_ui(ui: &mut egui::Ui, i: usize, turn: &Turn, start: Option<jiff::Timestamp>, quote: Option<&Quote>) {
    ui.horizontal_top(|ui| {
        ui.add_sized([28.0, 16.0], egui::Label::new(RichText::new(format!("{}", i + 1)).weak().monospace()));
        let who = if turn.label.is_empty() { turn.speaker.as_str().to_string() } else { turn.label.clone() };
        let time = turn
            .start_s
            .map(|s| match start.and_then(|t| t.checked_add(jiff::SignedDuration::from_secs_f64(s)).ok()) {
                Some(at) => format!(" {}", at.strftime("%H:%M:%S")),
                None => format!(" {:02}:{:02}", (s as u64) / 60, (s as u64) % 60),
            })
            .unwrap_or_default();
        ui.add_sized(
            [90.0, 16.0],
            egui::Label::new(
                RichText::new(format!("{who}{time}")).color(speaker_color(turn.speaker)).strong(),
            )
            .truncate(),
        );
        match quote.and_then(|q| q.start.zip(q.end)) {
            Some((s, e)) => {
                let chars: Vec<char> = turn.text.chars().collect();
                let (a, b) = (s.min(chars.len()), e.min(chars.len()));
                let mut job = egui::text::LayoutJob::default();
                let body = egui::TextFormat { color: ui.visuals().text_color(), ..Default::default() };
                let marked = egui::TextFormat {
                    color: ui.visuals().strong_text_color(),
                    background: Color32::from_rgba_unmultiplied(230, 200, 60, 90),
                    underline: egui::Stroke::new(1.0, Color32::from_rgb(230, 200, 60)),
                    ..Default::default()
                };
                job.append(&chars[..a].iter().collect::<String>(), 0.0, body.clone());
                job.append(&chars[a..b].iter().collect::<String>(), 0.0, marked);
                job.append(&chars[b..].iter().collect::<String>(), 0.0, body);
                job.wrap.max_width = ui.available_width();
                ui.add(egui::Label::new(job).wrap()).on_hover_text("the evidence quote");
            }
            None => {
                ui.add(egui::Label::new(&turn.text).wrap());
            }
        }
    });
}

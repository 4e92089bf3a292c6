//! Unit tests for `subtitles.rs`: VTT voice tags, `Name:` prefixes, NOTE blocks, cue settings,
//! SRT numbering and commas, merging and the order-of-appearance heuristic.

use super::*;

fn parse(name: &str, text: &str) -> Conversation {
    let mut convs = parse_subtitles(Path::new(name), text).unwrap();
    assert_eq!(convs.len(), 1);
    convs.remove(0)
}

fn summary(conv: &Conversation) -> Vec<(Speaker, &str, &str, Option<f64>)> {
    conv.turns.iter().map(|t| (t.speaker, t.label.as_str(), t.text.as_str(), t.start_s)).collect()
}

#[test]
fn vtt_voice_tags_notes_and_settings() {
    let conv = parse(
        "meet/standup.vtt",
        "WEBVTT - call recording\nKind: captions\n\n\
         NOTE this line is a comment\nthat spans two lines\n\n\
         STYLE\n::cue { color: yellow }\n\n\
         intro\n00:00:01.000 --> 00:00:03.500 align:start position:10%\n\
         <v Dana>Thanks for calling Acme &amp; Co.</v>\n\n\
         00:04.000 --> 00:06.000\n<v.loud Sam>Hi, my <i>internet</i> is down.\n\n\
         00:00:06.500 --> 00:00:08.000\n<v Sam>Since this morning.</v>\n\n\
         00:00:09.000 --> 00:00:10.000\nI see. <c.highlight>Let me check</c> <00:00:09.500>now.\n\n\
         00:00:11.000 --> 00:00:12.000\n<v Lee>Supervisor here, a < b <3\n",
    );
    assert_eq!(conv.id, "standup");
    assert_eq!(
        summary(&conv),
        [
            (Speaker::Agent, "Dana", "Thanks for calling Acme & Co.", Some(1.0)),
            (
                Speaker::Customer,
                "Sam",
                "Hi, my internet is down. Since this morning. I see. Let me check now.",
                Some(4.0)
            ),
            (Speaker::Other, "Lee", "Supervisor here, a < b <3", Some(11.0)),
        ]
    );
    assert_eq!(
        conv.render(),
        "[00:01] Agent: Thanks for calling Acme & Co.\n\
         [00:04] Customer: Hi, my internet is down. Since this morning. I see. Let me check now.\n\
         [00:11] Lee: Supervisor here, a < b <3"
    );
}

#[test]
fn vtt_name_prefixes_like_zoom() {
    let conv = parse(
        "zoom.vtt",
        "WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\nCustomer: Hello? Anyone there?\n\n\
         2\n00:00:02.500 --> 00:00:04.000\nRep: Yes, hi, this is support.\n\n\
         3\n00:00:04.500 --> 00:00:05.000\nNote: not a speaker\n",
    );
    assert_eq!(
        summary(&conv),
        [
            (Speaker::Customer, "Customer", "Hello? Anyone there?", Some(0.0)),
            (Speaker::Agent, "Rep", "Yes, hi, this is support. Note: not a speaker", Some(2.5)),
        ]
    );
}

#[test]
fn srt_with_numbers_commas_and_font_tags() {
    let conv = parse(
        "call.srt",
        "1\r\n00:00:01,000 --> 00:00:02,000\r\nAlex: Good morning, Acme Bank.\r\n\r\n\
         2\r\n00:00:02,500 --> 00:00:04,250\r\n<font color=\"red\">Jordan:</font> I lost\r\nmy card.\r\n\r\n\
         3\r\n00:01:05,000 --> 00:01:06,000\r\nAlex: I can block it.\r\n\r\n\
         4\r\n00:01:07,000 --> 00:01:08,000\r\nJordan: Thanks.\r\n",
    );
    assert_eq!(
        summary(&conv),
        [
            (Speaker::Agent, "Alex", "Good morning, Acme Bank.", Some(1.0)),
            (Speaker::Customer, "Jordan", "I lost my card.", Some(2.5)),
            (Speaker::Agent, "Alex", "I can block it.", Some(65.0)),
            (Speaker::Customer, "Jordan", "Thanks.", Some(67.0)),
        ]
    );
}

#[test]
fn unlabelled_cues_still_import() {
    let conv = parse(
        "lecture.vtt",
        "WEBVTT\n\n00:01.000 --> 00:02.000\nWelcome everyone.\n\n00:02.000 --> 00:03.000\nLet's start.\n",
    );
    assert_eq!(summary(&conv), [(Speaker::Other, "", "Welcome everyone. Let's start.", Some(1.0))]);
    assert_eq!(conv.render(), "[00:01] Unknown: Welcome everyone. Let's start.");
}

#[test]
fn errors_for_no_cues_or_empty_cues() {
    let err = parse_subtitles(Path::new("x.vtt"), "WEBVTT\n\nNOTE nothing here\n").unwrap_err();
    assert!(err.to_string().contains("no subtitle cues"), "{err}");
    assert!(err.to_string().contains("-->"), "{err}");
    let err = parse_subtitles(Path::new("x.srt"), "1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n").unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    assert!(matches!(err, ImportError::Format { .. }));
}

#[test]
fn malformed_or_reversed_cue_timings_are_refused_with_their_line() {
    let err = parse_subtitles(
        Path::new("call.vtt"),
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nAgent: hi\n\n99:99:99.999 --> 00:00:01.000\nCustomer: yo\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("call.vtt: line 6: `99:99:99.999 --> 00:00:01.000` is not a valid cue timing: `99:99:99.999`: minutes 99 are out of range (00–59)"),
        "{err}"
    );
    let err = parse_subtitles(Path::new("call.vtt"), "WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nAgent: hi\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "line 3: `00:00:05.000 --> 00:00:01.000` is not a valid cue timing: the cue ends before it starts"
        ),
        "{err}"
    );
    let err =
        parse_subtitles(Path::new("call.srt"), "1\n00:00:0,300 -->\nAgent: hi\n").unwrap_err().to_string();
    assert!(err.starts_with("call.srt: line 2: `00:00:0,300 -->` is not a valid cue timing"), "{err}");
    assert!(err.contains("expected hh:mm:ss.mmm (WebVTT) or hh:mm:ss,mmm (SRT)"), "{err}");
    let err =
        parse_subtitles(Path::new("call.srt"), "1\n00:00:00,300 -->\nAgent: hi\n").unwrap_err().to_string();
    assert!(err.contains("the end time is missing"), "{err}");
}

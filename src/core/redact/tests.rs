//! Unit tests of the detectors and the numbering; the labelled corpus with per-kind recall and
//! precision is `tests/redaction.rs`.

use super::*;
use serde_json::json;

fn all() -> Redactor {
    Redactor::new(&Redaction::all()).unwrap()
}

fn red(text: &str) -> String {
    all().session().redact(text).0
}

#[test]
fn cards_written_spoken_and_mixed_are_replaced_but_not_failing_luhn() {
    assert_eq!(red("my card is 4111 1111 1111 1111 thanks"), "my card is [CARD_1] thanks");
    assert_eq!(red("it's 4111-1111-1111-1111."), "it's [CARD_1].");
    assert_eq!(red("card 4111111111111111"), "card [CARD_1]");
    assert_eq!(
        red("sure it's four one one one, one one one one, one one one one, one one one one and"),
        "sure it's [CARD_1] and"
    );
    assert_eq!(red("uh 4111 one one one one, uh, 1111 [noise] one one one one ok"), "uh [CARD_1] ok");
    assert_eq!(red("four one double one, one one one one, one one one one, triple one one"), "[CARD_1]");
    // Luhn fails: a sixteen-digit number that is not a card, unless a card word is right there
    // (a misheard digit, or a made-up number read out as a card).
    assert_eq!(
        red("the reference 4111 1111 1111 1112 is on the letter"),
        "the reference 4111 1111 1111 1112 is on the letter"
    );
    assert_eq!(red("card number 5412 7533 0918 2647"), "card number [CARD_1]");
    // Amex, fifteen digits.
    assert_eq!(red("amex 3782 822463 10005"), "amex [CARD_1]");
}

#[test]
fn phones_national_international_and_spoken() {
    assert_eq!(red("call me at (415) 555-0123 please"), "call me at [PHONE_1] please");
    assert_eq!(red("my number is 415.555.0123"), "my number is [PHONE_1]");
    assert_eq!(red("UK office +44 20 7946 0958."), "UK office [PHONE_1].");
    assert_eq!(
        red("reach me on plus four four two zero seven nine four six zero nine five eight"),
        "reach me on [PHONE_1]"
    );
    assert_eq!(red("yeah it's five five five, two three four, five six seven eight"), "yeah it's [PHONE_1]");
    assert_eq!(red("it's 1-800-555-0199"), "it's [PHONE_1]");
    assert_eq!(red("one eight hundred five five five zero one nine nine"), "[PHONE_1]");
}

#[test]
fn numbers_that_are_not_pii_stay() {
    for text in [
        "the total is $1,249.99 for 12 months",
        "your order number is 4155550123",
        "we open at 9:30 and close at 17:45",
        "the Unlimited 5000 plan costs 49 dollars",
        "I called on 03/15/2024 about ticket 8812",
        "version 2.4.1 of the app",
        "it was twenty three ninety nine a month",
        "oh, I see, one or two days",
        "that's 100% fine",
        "please see: https://web.archive.org/web/20190803224257/https://www.hulu.com/genre/latino",
    ] {
        assert_eq!(red(text), text);
    }
}

#[test]
fn emails_ssns_ibans_ips_and_birth_dates() {
    assert_eq!(red("mail Jane.Doe+x@Example.co.uk now"), "mail [EMAIL_1] now");
    assert_eq!(red("it's jane dot doe at gmail dot com"), "it's [EMAIL_1]");
    assert_eq!(red("j o h n at example dot org"), "[EMAIL_1]");
    assert_eq!(red("SSN 123-45-6789."), "SSN [SSN_1].");
    assert_eq!(red("my social is one two three, four five, six seven eight nine"), "my social is [SSN_1]");
    assert_eq!(red("not an ssn 666-45-6789"), "not an ssn 666-45-6789");
    assert_eq!(red("IBAN DE89 3704 0044 0532 0130 00 ok"), "IBAN [IBAN_1] ok");
    assert_eq!(red("gb82west12345698765432"), "[IBAN_1]");
    assert_eq!(red("IBAN DE89 3704 0044 0532 0130 01"), "IBAN DE89 3704 0044 0532 0130 01", "checksum fails");
    assert_eq!(red("from 192.168.1.20 and 2001:db8::8a2e:370:7334"), "from [IP_1] and [IP_2]");
    assert_eq!(red("at 10:30:15 sharp"), "at 10:30:15 sharp");
    assert_eq!(red("my date of birth is March 15th, 1985."), "my date of birth is [DOB_1].");
    assert_eq!(red("DOB: 03/15/1985"), "DOB: [DOB_1]");
    assert_eq!(red("I was born on the fifth of may nineteen ninety"), "I was born on the [DOB_1]");
    assert_eq!(red("the appointment is March 15th, 2025"), "the appointment is March 15th, 2025");
}

#[test]
fn numbering_is_per_value_and_consistent_across_spellings() {
    let r = all();
    let mut s = r.session();
    let (a, _) = s.redact("card 4111 1111 1111 1111, phone 415-555-0123");
    let (b, spans) = s.redact(
        "again four one one one one one one one one one one one one one one one? and 5555 5555 5555 4444",
    );
    assert_eq!(a, "card [CARD_1], phone [PHONE_1]");
    assert_eq!(b, "again [CARD_1]? and [CARD_2]");
    assert_eq!(spans.len(), 2);
    assert_eq!(&b[spans[1].start..spans[1].end], "[CARD_2]");
    let mapping = s.into_mapping();
    assert_eq!(mapping.get("[CARD_1]"), Some("4111 1111 1111 1111"));
    assert_eq!(
        restore("x [CARD_2] [PHONE_1] [NAME_9]", &mapping),
        "x 5555 5555 5555 4444 415-555-0123 [NAME_9]"
    );
    let mut v = json!({"a": ["[CARD_1]"], "b": {"c": "[PHONE_1]"}, "n": 3});
    restore_value(&mut v, &mapping);
    assert_eq!(v, json!({"a": ["4111 1111 1111 1111"], "b": {"c": "415-555-0123"}, "n": 3}));
}

#[test]
fn names_and_user_patterns() {
    let config = Redaction {
        kinds: vec![Kind::Phone],
        patterns: vec![UserPattern { name: "order_id".into(), regex: r"ORD-\d{5}".into() }],
        names: vec!["Jane Doe".into()],
        region: None,
    };
    let r = Redactor::new(&config).unwrap();
    let mut session = r.session();
    let (text, _) = session
        .redact("Doe here, jane doe, ORD-12345 and ORD-12345 again; thanks Ms. Doe, call 415-555-0123");
    assert_eq!(
        text,
        "[NAME_1] here, [NAME_1], [ORDER_ID_1] and [ORDER_ID_1] again; thanks Ms. [NAME_1], call [PHONE_1]"
    );
    assert_eq!(
        restore("[NAME_1]", &session.into_mapping()),
        "Jane Doe",
        "restored as configured, not as first met"
    );
    // A part of a name alone counts only capitalised: "Will Smith" does not take every "will".
    let will = Redactor::new(&Redaction { names: vec!["Will Smith".into()], ..Default::default() }).unwrap();
    assert_eq!(will.session().redact("I will call Will tomorrow").0, "I will call [NAME_1] tomorrow");
    // Pattern names make placeholders: a letter first, no built-in kind's name.
    for bad in ["2fa", "_x", "card", "name"] {
        let config = Redaction {
            patterns: vec![UserPattern { name: bad.into(), regex: "x".into() }],
            ..Default::default()
        };
        assert!(Redactor::new(&config).is_err(), "{bad}");
    }
}

#[test]
fn the_setting_reads_both_forms_and_bad_patterns_name_their_key() {
    let short: Redaction =
        serde_json::from_value(json!(["phone", "card", {"name": "order_id", "regex": "ORD-\\d+"}])).unwrap();
    assert_eq!(short.kinds, vec![Kind::Card, Kind::Phone]);
    assert_eq!(
        serde_json::to_value(&short).unwrap(),
        json!(["card", "phone", {"name": "order_id", "regex": "ORD-\\d+"}])
    );
    let full: Redaction =
        serde_json::from_value(json!({"kinds": ["all"], "names": ["Jane"], "region": "GB"})).unwrap();
    assert_eq!(full.kinds.len(), Kind::ALL.len());
    assert_eq!(serde_json::from_value::<Redaction>(serde_json::to_value(&full).unwrap()).unwrap(), full);
    let err = serde_json::from_value::<Redaction>(json!(["cards"])).unwrap_err().to_string();
    assert!(err.contains("redact: unknown kind \"cards\"; use all, none or some of card, phone"), "{err}");
    let bad = Redaction {
        patterns: vec![UserPattern { name: "x".into(), regex: "(".into() }],
        ..Default::default()
    };
    let e = Redactor::new(&bad).err().unwrap();
    assert_eq!(e.pointer(), "/redact/patterns/0/regex");
    let region = Redaction { region: Some("Narnia".into()), ..Redaction::all() };
    assert_eq!(Redactor::new(&region).err().unwrap().pointer(), "/redact/region");
}

#[test]
fn a_redacting_spec_changes_its_version_and_what_the_prompt_carries() {
    let mut spec = AnalysisSpec::template("post_analysis").unwrap();
    let plain = spec.version_hash();
    let conversation = crate::core::transcript::parse_bytes(
        std::path::Path::new("c.txt"),
        b"Agent: How can I help?\nCustomer: My card is 4111 1111 1111 1111 and my email is a@b.com",
    )
    .unwrap()
    .remove(0);
    let before = crate::core::prompt::build(&spec, &conversation, Default::default());
    assert!(before[1].content.contains("4111 1111 1111 1111"));
    spec.redact = Redaction::all();
    assert_ne!(spec.version_hash(), plain);
    let after = crate::core::prompt::build(&spec, &conversation, Default::default());
    assert!(
        after[1].content.contains("Customer: My card is [CARD_1] and my email is [EMAIL_1]"),
        "{}",
        after[1].content
    );
    assert!(!after[1].content.contains("4111"));
    let text = spec.to_json_pretty();
    let back = AnalysisSpec::from_json(&text, std::path::Path::new("s.json")).unwrap();
    assert_eq!(back.redact, spec.redact);
    let mut bad: serde_json::Value = serde_json::from_str(&text).unwrap();
    bad["redact"] = json!([{"name": "order_id", "regex": "ORD-("}]);
    let err =
        AnalysisSpec::from_json(&bad.to_string(), std::path::Path::new("s.json")).unwrap_err().to_string();
    assert!(
        err.starts_with("s.json: /redact/patterns/0/regex: pattern \"order_id\" is not a valid regex"),
        "{err}"
    );
}

#[test]
fn a_date_answering_a_birth_date_question_is_redacted_in_the_next_turn() {
    let call = crate::core::transcript::parse_bytes(
        std::path::Path::new("c.txt"),
        b"Agent: Can I take your full name and date of birth?\nCustomer: Ryan McAllister, fourth of June, ninety-one.\nAgent: Your renewal is on the fourth of June.",
    )
    .unwrap()
    .remove(0);
    let out = super::conversation(&all(), &call);
    assert_eq!(out.conversation.turns[1].text, "Ryan McAllister, [DOB_1].");
    assert_eq!(
        out.conversation.turns[2].text, "Your renewal is on the fourth of June.",
        "not primed, and no year"
    );
}

#[test]
fn spoken_ibans_ips_and_emails_and_what_the_turn_before_asked() {
    assert_eq!(
        red(
            "it's g as in golf b eight two w e s t one two three four five six nine eight seven six five four three two ok"
        ),
        "it's [IBAN_1] ok"
    );
    assert_eq!(red("BE13-3011-6560-3842 it is"), "[IBAN_1] it is");
    assert_eq!(red("BE13-3011-6560-3843 it is"), "BE13-3011-6560-3843 it is", "checksum fails");
    assert_eq!(
        red("the gateway is one nine two dot one sixty eight dot one dot one and"),
        "the gateway is [IP_1] and"
    );
    assert_eq!(red("firmware 1.0.4.118 is out"), "firmware 1.0.4.118 is out");
    assert_eq!(red("skywalker one nine six four at web dot d e."), "[EMAIL_1].");
    assert_eq!(red("visit us at acme dot com"), "visit us at acme dot com");
    let call = crate::core::transcript::parse_bytes(
        std::path::Path::new("c.txt"),
        b"Agent: And your social security number?\nCustomer: sure, six four two three three one seven eight one.\nAgent: Your order is one two three four five six seven eight nine.",
    )
    .unwrap()
    .remove(0);
    let out = super::conversation(&all(), &call);
    assert_eq!(out.conversation.turns[1].text, "sure, [SSN_1].");
    assert_eq!(out.conversation.turns[2].text, "Your order is one two three four five six seven eight nine.");
}

#[test]
fn no_text_makes_it_panic_and_every_span_is_a_placeholder() {
    let pieces = [
        "four",
        "one",
        "oh",
        "double",
        "triple",
        "twenty",
        "nine",
        "hundred",
        "dot",
        "point",
        "at",
        "sign",
        "plus",
        "+",
        "(",
        ")",
        "-",
        ".",
        ",",
        " ",
        "  ",
        "\n",
        "é",
        "日本",
        "🙂",
        "\u{2003}",
        "4111",
        "0",
        "12",
        "555",
        "@",
        "gmail",
        "com",
        "as",
        "in",
        "bravo",
        "g",
        "b",
        "o",
        "de",
        "DE89",
        "born",
        "date of birth",
        "social",
        "card",
        "call",
        "order",
        "$",
        "%",
        "[noise]",
        "uh",
        "march",
        "15th",
        "1985",
        "/",
        "03",
        "::",
        "ff",
        "192.168",
        "ORD-",
        "ß",
    ];
    let r = Redactor::new(&Redaction { names: vec!["Jane Doe".into()], ..Redaction::all() }).unwrap();
    let mut rng = fastrand::Rng::with_seed(13);
    for _ in 0..3000 {
        let n = rng.usize(1..40);
        let text: String = (0..n)
            .map(|_| pieces[rng.usize(..pieces.len())])
            .collect::<Vec<_>>()
            .join(if rng.bool() { " " } else { "" });
        let (out, spans) = r.session().redact(&text);
        for s in &spans {
            assert_eq!(&out[s.start..s.end], s.placeholder, "{text:?}");
            assert!(text.is_char_boundary(s.original_start) && text.is_char_boundary(s.original_end));
        }
    }
}

#[test]
fn cards_read_back_in_one_breath_are_each_a_card() {
    // Two cards with no pause: no 19-digit window that passes Luhn across both may win.
    let text = "let me read them back four one two five three five five five oh four four five nine oh one seven forty one oh four seven two seven three seventy seven thirty five sixty two ninety five";
    let (out, spans) = all().session().redact(text);
    assert_eq!(out, "let me read them back [CARD_1] [CARD_2]", "{spans:?}");
    // Asked for a card, and a number before the card that passes only as "vouched for".
    assert_eq!(
        red("add a new one five two oh oh eight two eight two eight two eight two eight two one oh"),
        "add a new one [CARD_1]"
    );
    assert_eq!(red("m a t as in tango e o at a o l dot com"), "[EMAIL_1]");
}

#[test]
fn review_findings_money_after_the_number_a_code_before_it_and_paths_are_handled() {
    assert_eq!(red("card 4111 1111 1111 1111, uh, fifty dollars"), "card [CARD_1], uh, fifty dollars");
    assert_eq!(red("apt 4B 415-555-0123"), "apt 4B [PHONE_1]");
    assert_eq!(red("call Foo::bar and 2001:db8::8a2e:370:7334"), "call Foo::bar and [IP_1]");
    // Seen on the bundled samples: an invoice code and a web address are not a phone and an email.
    assert_eq!(red("the number is INV-2026-08-1187."), "the number is INV-2026-08-1187.");
    assert_eq!(
        red("it's only on the web version at app.pocketledger.com."),
        "it's only on the web version at app.pocketledger.com."
    );
}

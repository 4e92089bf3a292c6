//! Reading length hints out of a schema description.
//!
//! Schema authors already tell the model how long a text should be ("2-3 sentence summary"), and
//! that is the best available predictor of how many tokens the model will write. Only explicit
//! counts are read (digits, number words, "a few"); anything vaguer falls back to the fixed sizes
//! in the output estimate.

/// The most sentences a (lower-case) description asks for: the number right before "sentence",
/// reading back over connectors, so "2-3 sentence" and "one to three sentences" give 3.
pub(super) fn sentence_upper_bound(description: &str) -> Option<u64> {
    const CONNECTORS: [&str; 12] =
        ["to", "or", "and", "up", "about", "around", "at", "most", "max", "maximum", "than", "more"];
    let mut rest = description;
    while let Some(pos) = rest.find("sentence") {
        let words = rest[..pos].split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty());
        for word in words.rev() {
            if let Some(n) = number_word(word) {
                return Some(n);
            }
            if !CONNECTORS.contains(&word) {
                break;
            }
        }
        rest = &rest[pos + "sentence".len()..];
    }
    None
}

fn number_word(word: &str) -> Option<u64> {
    if let Ok(n) = word.parse::<u64>() {
        return (1..=50).contains(&n).then_some(n);
    }
    let n = match word {
        "a" | "one" | "single" => 1,
        "two" | "couple" | "pair" => 2,
        "three" | "few" | "several" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        _ => return None,
    };
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_hints() {
        assert_eq!(sentence_upper_bound("2-3 sentence summary"), Some(3));
        assert_eq!(sentence_upper_bound("one to three sentences"), Some(3));
        assert_eq!(sentence_upper_bound("at most 2 sentences"), Some(2));
        assert_eq!(sentence_upper_bound("a single sentence"), Some(1));
        assert_eq!(sentence_upper_bound("in a few sentences"), Some(3));
        assert_eq!(sentence_upper_bound("write complete sentences"), None);
        assert_eq!(sentence_upper_bound("no hint here"), None);
    }
}

//! Approximate token counting.
//!
//! Exact BPE tokenizers (tiktoken) take tens of milliseconds to load their tables, a large
//! part of the time budget of gathering context, and differ between model families anyway.
//! vibe therefore estimates tokens with a fast heuristic shaped after the cl100k/o200k
//! vocabularies: a run of letters or digits costs one token per four characters (at least
//! one), every other visible character costs one token, and whitespace is free except for
//! newlines, which often start a new token. It is an estimate, not an exact count: usage
//! reported by the server always replaces it.

/// Estimated number of tokens in `text`.
pub fn estimate(text: &str) -> usize {
    let mut tokens = 0usize;
    let mut run = 0usize;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            run += 1;
            continue;
        }
        if run > 0 {
            tokens += run.div_ceil(4);
            run = 0;
        }
        if c == '\n' || !c.is_whitespace() {
            tokens += 1;
        }
    }
    if run > 0 {
        tokens += run.div_ceil(4);
    }
    tokens
}

/// Estimated tokens of a chat message: its text plus a few tokens of framing.
pub fn estimate_message(text: &str) -> usize {
    estimate(text) + 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words_symbols_and_lines() {
        assert_eq!(estimate(""), 0);
        assert_eq!(estimate("hello"), 2);
        assert_eq!(estimate("a b c"), 3);
        assert_eq!(estimate("fn main() {}\n"), 1 + 1 + 4 + 1);
        // Close to real tokenizers on ordinary text: "The quick brown fox jumps over the lazy dog."
        // is 10 tokens in cl100k.
        let n = estimate("The quick brown fox jumps over the lazy dog.");
        assert!((9..=14).contains(&n), "{n}");
    }
}

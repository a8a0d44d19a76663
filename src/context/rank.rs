//! Relevance ranking: terms from the prompt, from paths and from identifiers in files,
//! scored with BM25 (k1 = 1.2, b = 0.75). Pure functions, deterministic.

use std::collections::HashMap;

/// Words too common in prompts to say anything about files.
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "has", "have",
    "how", "i", "if", "in", "into", "is", "it", "its", "make", "makes", "me", "my", "new", "no", "not", "of",
    "on", "or", "our", "please", "should", "so", "some", "that", "the", "their", "them", "then", "there",
    "this", "to", "up", "us", "use", "using", "want", "was", "we", "when", "which", "will", "with", "would",
    "you", "your", "add", "change", "update", "all", "any", "also", "just", "like", "get", "set",
];

/// Lower-case stem of a word: plural, `-ing`, `-ed`, `-er` and a final `-e` removed, so
/// "limiting", "limiter" and "limits" all become "limit". Applied alike to prompts, paths and
/// identifiers, so it only needs to be consistent, not linguistically right.
fn normalize_into(word: &str, w: &mut String) {
    w.clear();
    w.push_str(word);
    w.make_ascii_lowercase();
    if w.len() > 4 && w.ends_with("ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        w.pop();
    }
    if w.len() > 5 && w.ends_with("ing") {
        w.truncate(w.len() - 3);
    } else if w.len() > 4 && (w.ends_with("ed") || w.ends_with("er")) {
        w.truncate(w.len() - 2);
    }
    if w.len() > 4 && w.ends_with('e') {
        w.pop();
    }
}

/// Calls `f` with every word of `s` (ASCII letters and digits, at least two), identifiers
/// split at case changes: `parseHTTPRequest_v2` → parse, HTTP, Request, v2.
fn for_each_word(s: &str, mut f: impl FnMut(&str)) {
    let b = s.as_bytes();
    let mut start = usize::MAX;
    let mut emit = |from: usize, to: usize| {
        if from != usize::MAX && to >= from + 2 {
            f(&s[from..to]);
        }
    };
    for i in 0..b.len() {
        let c = b[i];
        if !c.is_ascii_alphanumeric() {
            emit(start, i);
            start = usize::MAX;
            continue;
        }
        if start == usize::MAX {
            start = i;
        } else if c.is_ascii_uppercase() {
            let prev = b[i - 1];
            let next_lower = b.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower)
            {
                emit(start, i);
                start = i;
            }
        }
    }
    emit(start, b.len());
}

/// Splits an identifier or path into normalized words: `parseHTTPRequest_v2` → pars, http,
/// request, v2.
pub fn split_words(s: &str, out: &mut Vec<String>) {
    let mut buf = String::new();
    for_each_word(s, |w| {
        normalize_into(w, &mut buf);
        out.push(buf.clone());
    });
}

/// Counts the query terms in `text` without keeping its other words: the document for BM25
/// and its length in words. Allocation-free per word, for scanning many files.
pub fn count_terms(text: &str, terms: &[String]) -> (Doc, u32) {
    let mut doc = Doc::new();
    let mut len = 0u32;
    let mut buf = String::with_capacity(32);
    for_each_word(text, |w| {
        len += 1;
        normalize_into(w, &mut buf);
        if let Some(t) = terms.iter().find(|t| **t == buf) {
            match doc.get_mut(t) {
                Some(n) => *n += 1,
                None => {
                    doc.insert(t.clone(), 1);
                }
            }
        }
    });
    (doc, len)
}

/// The search terms of a prompt: words of two or more letters, identifiers split, stopwords
/// dropped, duplicates removed (first occurrence order kept).
pub fn query_terms(prompt: &str) -> Vec<String> {
    let mut words = Vec::new();
    for raw in prompt.split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '"' || c == '\'') {
        // Keep the whole token too when it is an identifier-like compound (rate_limit).
        split_words(raw, &mut words);
    }
    let mut seen = std::collections::HashSet::new();
    words.into_iter().filter(|w| !STOPWORDS.contains(&w.as_str()) && seen.insert(w.clone())).collect()
}

/// Term frequencies of a document.
pub type Doc = HashMap<String, u32>;

/// Builds a document restricted to the query terms (other words only count for length).
pub fn doc_of(words: &[String], terms: &[String]) -> (Doc, u32) {
    let mut doc = Doc::new();
    for w in words {
        if terms.iter().any(|t| t == w) {
            *doc.entry(w.clone()).or_insert(0) += 1;
        }
    }
    (doc, words.len() as u32)
}

/// BM25 over a collection of documents given as (term frequencies, length).
#[derive(Debug)]
pub struct Bm25 {
    idf: HashMap<String, f64>,
    avg_len: f64,
}

const K1: f64 = 1.2;
const B: f64 = 0.75;

impl Bm25 {
    /// Collection statistics for `docs`.
    pub fn new<'a>(terms: &[String], docs: impl Iterator<Item = &'a (Doc, u32)>) -> Self {
        let mut n = 0usize;
        let mut total_len = 0u64;
        let mut df: HashMap<&str, usize> = HashMap::new();
        for (doc, len) in docs {
            n += 1;
            total_len += u64::from(*len);
            for t in doc.keys() {
                *df.entry(t.as_str()).or_insert(0) += 1;
            }
        }
        let idf = terms
            .iter()
            .map(|t| {
                let d = *df.get(t.as_str()).unwrap_or(&0) as f64;
                let n = n as f64;
                (t.clone(), ((n - d + 0.5) / (d + 0.5) + 1.0).ln())
            })
            .collect();
        Bm25 { idf, avg_len: if n == 0 { 1.0 } else { (total_len as f64 / n as f64).max(1.0) } }
    }

    /// The score of one document, with the terms that matched.
    pub fn score(&self, doc: &(Doc, u32)) -> (f64, Vec<(String, u32)>) {
        let (tf, len) = doc;
        let mut score = 0.0;
        let mut matched: Vec<(String, u32)> = Vec::new();
        for (t, f) in tf {
            let idf = self.idf.get(t).copied().unwrap_or(0.0);
            let f = f64::from(*f);
            score += idf * (f * (K1 + 1.0)) / (f + K1 * (1.0 - B + B * f64::from(*len) / self.avg_len));
            matched.push((t.clone(), *tf.get(t).unwrap_or(&0)));
        }
        matched.sort();
        (score, matched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        let mut v = Vec::new();
        split_words(s, &mut v);
        v
    }

    #[test]
    fn identifiers_split_into_words() {
        assert_eq!(words("parseHTTPRequest_v2"), vec!["pars", "http", "request", "v2"]);
        assert_eq!(words("src/rate_limiter/mod.rs"), vec!["src", "rate", "limit", "mod", "rs"]);
        assert_eq!(words("XMLHttpRequests"), vec!["xml", "http", "request"]);
    }

    #[test]
    fn counting_terms_matches_splitting_words() {
        let terms = vec!["rate".to_string(), "limit".to_string()];
        let text = "fn rateLimit(limits: &RateLimiter) { /* rate-limited */ }";
        let (doc, len) = count_terms(text, &terms);
        assert_eq!(doc_of(&words(text), &terms), (doc.clone(), len));
        assert_eq!((doc["rate"], doc["limit"], len), (3, 4, 8));
    }

    #[test]
    fn prompt_terms_drop_stopwords_and_duplicates() {
        assert_eq!(
            query_terms("Add rate limiting to the login route; login must return 429s"),
            vec!["rate", "limit", "login", "rout", "must", "return", "429"]
        );
        assert_eq!(query_terms("fix the `parse_config` policies"), vec!["fix", "pars", "config", "policy"]);
    }

    #[test]
    fn bm25_prefers_rare_terms_and_short_documents() {
        let terms = vec!["login".to_string(), "src".to_string()];
        let docs: Vec<(Doc, u32)> =
            ["src/login.rs", "src/main.rs", "src/auth/login/handlers/very/deep/file.rs", "docs/x.md"]
                .iter()
                .map(|p| doc_of(&words(p), &terms))
                .collect();
        let bm = Bm25::new(&terms, docs.iter());
        let s: Vec<f64> = docs.iter().map(|d| bm.score(d).0).collect();
        assert!(s[0] > s[2] && s[2] > s[1] && s[1] > s[3], "{s:?}");
        assert_eq!(bm.score(&docs[0]).1, vec![("login".to_string(), 1), ("src".to_string(), 1)]);
    }
}

//! Bounded output: keep the head and the tail of a long stream with a marker saying how much
//! was left out in between. Used for command output and for any tool result that goes back
//! to the model.

use std::collections::VecDeque;

/// Collects a stream, keeping at most `cap` bytes: the first half and the last half.
#[derive(Debug)]
pub struct CappedBuf {
    cap: usize,
    head: Vec<u8>,
    tail: VecDeque<u8>,
    dropped: u64,
}

impl CappedBuf {
    /// A buffer keeping at most `cap` bytes.
    pub fn new(cap: usize) -> Self {
        Self { cap: cap.max(2), head: Vec::new(), tail: VecDeque::new(), dropped: 0 }
    }

    /// Appends bytes.
    pub fn push(&mut self, mut bytes: &[u8]) {
        let head_cap = self.cap / 2;
        if self.head.len() < head_cap {
            let take = (head_cap - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
        }
        let tail_cap = self.cap - head_cap;
        self.tail.extend(bytes.iter().copied());
        while self.tail.len() > tail_cap {
            let excess = self.tail.len() - tail_cap;
            self.tail.drain(..excess);
            self.dropped += excess as u64;
        }
    }

    /// Whether anything was dropped.
    pub fn truncated(&self) -> bool {
        self.dropped > 0
    }

    /// The kept text (lossy UTF-8), with a marker where bytes were dropped.
    pub fn finish(self) -> String {
        let head = String::from_utf8_lossy(&self.head).into_owned();
        let tail: Vec<u8> = self.tail.into_iter().collect();
        let tail = String::from_utf8_lossy(&tail);
        if self.dropped == 0 {
            head + &tail
        } else {
            format!("{head}\n[… {} bytes omitted …]\n{tail}", self.dropped)
        }
    }
}

/// Shortens `text` to about `max` bytes by keeping its head and tail (cut at line breaks
/// when one is near) with a marker saying how many lines and bytes were left out.
pub fn truncate_middle(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let half = max / 2;
    let mut head_end = floor_char_boundary(text, half);
    if let Some(nl) = text[..head_end].rfind('\n') {
        if nl >= half / 2 {
            head_end = nl + 1;
        }
    }
    let mut tail_start = ceil_char_boundary(text, text.len() - half);
    if let Some(nl) = text[tail_start..].find('\n') {
        if nl < half / 2 {
            tail_start += nl + 1;
        }
    }
    let omitted = &text[head_end..tail_start];
    let lines = omitted.matches('\n').count();
    format!(
        "{}[… {} lines, {} bytes omitted …]\n{}",
        &text[..head_end],
        lines,
        omitted.len(),
        &text[tail_start..]
    )
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn short_text_is_unchanged() {
        assert_eq!(truncate_middle("abc\n", 10), "abc\n");
        let mut buf = CappedBuf::new(10);
        buf.push(b"hello");
        assert!(!buf.truncated());
        assert_eq!(buf.finish(), "hello");
    }

    #[test]
    fn long_text_keeps_head_and_tail_with_a_marker() {
        let text: String = (1..=1000).map(|i| format!("line {i}\n")).collect();
        let cut = truncate_middle(&text, 200);
        assert!(cut.starts_with("line 1\nline 2\n"), "{cut}");
        assert!(cut.ends_with("line 1000\n"), "{cut}");
        assert!(cut.contains("lines,") && cut.contains("bytes omitted"), "{cut}");
        assert!(cut.len() < 300, "{}", cut.len());
        // Every kept line is whole.
        for line in cut.lines().filter(|l| !l.starts_with("[…")) {
            assert!(line.starts_with("line "), "{line}");
        }
    }

    #[test]
    fn multibyte_text_is_cut_on_char_boundaries() {
        let text = "é".repeat(500);
        let cut = truncate_middle(&text, 101);
        assert!(cut.contains("omitted"));
    }

    #[test]
    fn capped_buffer_keeps_the_ends_of_a_stream() {
        let mut buf = CappedBuf::new(8);
        for chunk in [b"abcd".as_slice(), b"efgh", b"ijkl", b"mnop"] {
            buf.push(chunk);
        }
        assert!(buf.truncated());
        assert_eq!(buf.finish(), "abcd\n[… 8 bytes omitted …]\nmnop");
    }
}

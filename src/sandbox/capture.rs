//! Bounded output: keep the head and the tail of a long stream with a marker saying how much
//! was left out in between. Used for command output and for any tool result that goes back
//! to the model. And streamed output cut into whole, redacted lines ([`Lines`]) for whoever
//! shows it live.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::{OutputChunk, OutputSink, Stream};
use crate::redact::Mode;

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

/// A line longer than this is let through unfinished.
const LONG_LINE: usize = 8 * 1024;

/// Cuts a command's output at line ends and redacts each piece.
#[derive(Debug)]
pub struct Lines {
    mode: Mode,
    open: [String; 2],
}

fn slot(stream: Stream) -> usize {
    match stream {
        Stream::Stdout => 0,
        Stream::Stderr => 1,
    }
}

impl Lines {
    /// Lines redacted in `mode`.
    pub fn new(mode: Mode) -> Self {
        Self { mode, open: [String::new(), String::new()] }
    }

    /// Takes a chunk; returns the complete lines it finished, redacted.
    pub fn push(&mut self, stream: Stream, text: &str) -> Option<String> {
        let open = &mut self.open[slot(stream)];
        open.push_str(text);
        let cut = match open.rfind('\n') {
            Some(i) => i + 1,
            None if open.len() > LONG_LINE => open.len(),
            None => return None,
        };
        let done: String = open.drain(..cut).collect();
        Some(crate::redact::redact(&done, self.mode).into_string())
    }

    /// What is left unfinished, redacted.
    pub fn finish(&mut self) -> Vec<(Stream, String)> {
        let mut rest = Vec::new();
        for stream in [Stream::Stdout, Stream::Stderr] {
            let open = std::mem::take(&mut self.open[slot(stream)]);
            if !open.is_empty() {
                rest.push((stream, crate::redact::redact(&open, self.mode).into_string()));
            }
        }
        rest
    }

    /// A sink for the sandbox: finished lines go to `send`, redacted.
    pub fn sink(
        mode: Mode,
        send: impl Fn(Stream, String) + Send + Sync + 'static,
    ) -> (OutputSink, Arc<Mutex<Lines>>) {
        let lines = Arc::new(Mutex::new(Lines::new(mode)));
        let held = Arc::clone(&lines);
        let sink: OutputSink = Arc::new(move |chunk: OutputChunk| {
            let done = held.lock().unwrap_or_else(|p| p.into_inner()).push(chunk.stream, &chunk.text);
            if let Some(text) = done {
                send(chunk.stream, text);
            }
        });
        (sink, lines)
    }
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

    #[test]
    fn lines_are_cut_at_line_ends_and_redacted_whole() {
        let mut l = Lines::new(Mode::Text);
        let key = "ghp_0123456789abcdefghijklmnopqrstuvwxyz";
        // The token arrives in two chunks: nothing leaves until the line is whole.
        assert_eq!(l.push(Stream::Stdout, &format!("token {}", &key[..10])), None);
        let line = l.push(Stream::Stdout, &format!("{}\nnext", &key[10..])).unwrap();
        assert!(!line.contains(key) && line.starts_with("token ") && line.ends_with('\n'), "{line}");
        assert_eq!(l.push(Stream::Stderr, "warn\n"), Some("warn\n".into()));
        assert_eq!(l.finish(), vec![(Stream::Stdout, "next".into())]);
        assert!(l.finish().is_empty());
    }
}

//! A one-line text field: what the reviewer types for a reason, a comment, an answer or
//! feedback, and the fields of a step.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key did to a [`TextInput`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The text changed or the cursor moved.
    Changed,
    /// Enter: the text is done.
    Submit,
    /// Esc: the text is dropped.
    Cancel,
    /// A key the field does not use (Tab, arrows up and down).
    Ignored,
}

/// A line of text with a cursor (counted in characters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    text: String,
    cursor: usize,
}

impl TextInput {
    /// A field holding `text`, the cursor at its end.
    pub fn with(text: impl Into<String>) -> Self {
        let text = text.into();
        let cursor = text.chars().count();
        Self { text, cursor }
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor, in characters from the start.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    fn byte(&self, at: usize) -> usize {
        self.text.char_indices().nth(at).map_or(self.text.len(), |(i, _)| i)
    }

    /// Inserts pasted text (line breaks become spaces).
    pub fn paste(&mut self, s: &str) {
        for c in s.chars() {
            self.insert(if c == '\n' || c == '\r' { ' ' } else { c });
        }
    }

    fn insert(&mut self, c: char) {
        let at = self.byte(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    /// Applies a key.
    pub fn key(&mut self, key: KeyEvent) -> Edit {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Enter => return Edit::Submit,
            KeyCode::Esc => return Edit::Cancel,
            KeyCode::Char('u') if ctrl => {
                self.text.clear();
                self.cursor = 0;
            }
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = self.text.chars().count(),
            KeyCode::Char(c) if !ctrl => self.insert(c),
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte(self.cursor);
                self.text.remove(at);
            }
            KeyCode::Delete if self.cursor < self.text.chars().count() => {
                let at = self.byte(self.cursor);
                self.text.remove(at);
            }
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.text.chars().count()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.text.chars().count(),
            KeyCode::Backspace | KeyCode::Delete => {}
            _ => return Edit::Ignored,
        }
        Edit::Changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn typing_editing_and_moving() {
        let mut t = TextInput::with("héllo");
        assert_eq!(t.cursor(), 5);
        t.key(k(KeyCode::Left));
        t.key(k(KeyCode::Backspace));
        t.key(k(KeyCode::Char('L')));
        assert_eq!(t.text(), "hélLo");
        t.key(k(KeyCode::Home));
        t.key(k(KeyCode::Delete));
        assert_eq!(t.text(), "élLo");
        t.paste("a\nb");
        assert_eq!(t.text(), "a bélLo");
        assert_eq!(t.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)), Edit::Changed);
        assert_eq!(t.text(), "");
        assert_eq!(t.key(k(KeyCode::Enter)), Edit::Submit);
        assert_eq!(t.key(k(KeyCode::Esc)), Edit::Cancel);
        assert_eq!(t.key(k(KeyCode::Tab)), Edit::Ignored);
    }
}

//! What changed between two versions of a plan: step by step (same, changed, new, removed)
//! and, inside a changed step, word by word.

use crate::plan::{Plan, Step};

/// A run of words of a word-level diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// In both.
    Same(String),
    /// Only in the newer text.
    Added(String),
    /// Only in the older text.
    Removed(String),
}

/// The word-level diff of `before` and `after` (longest common subsequence of words).
pub fn words(before: &str, after: &str) -> Vec<Piece> {
    let a: Vec<&str> = before.split_whitespace().collect();
    let b: Vec<&str> = after.split_whitespace().collect();
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut out: Vec<Piece> = Vec::new();
    let mut push = |p: Piece| {
        let merged = match (out.last_mut(), &p) {
            (Some(Piece::Same(s)), Piece::Same(w))
            | (Some(Piece::Added(s)), Piece::Added(w))
            | (Some(Piece::Removed(s)), Piece::Removed(w)) => {
                s.push(' ');
                s.push_str(w);
                true
            }
            _ => false,
        };
        if !merged {
            out.push(p);
        }
    };
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            push(Piece::Same(a[i].into()));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            push(Piece::Added(b[j].into()));
            j += 1;
        } else {
            push(Piece::Removed(a[i].into()));
            i += 1;
        }
    }
    out
}

/// How a step of the newer version relates to the older one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepChange {
    /// Word for word the same as this older step.
    Same(usize),
    /// This older step (same title or intent), changed.
    Changed(usize),
    /// New.
    New,
}

/// How each step of `after` relates to `before`, and the older steps that are gone.
pub fn steps(before: &Plan, after: &Plan) -> (Vec<StepChange>, Vec<usize>) {
    let mut used = vec![false; before.steps.len()];
    let mut find = |f: &dyn Fn(&Step) -> bool| {
        let i = before.steps.iter().enumerate().position(|(i, s)| !used[i] && f(s))?;
        used[i] = true;
        Some(i)
    };
    let mut out: Vec<Option<StepChange>> = vec![None; after.steps.len()];
    for (k, s) in after.steps.iter().enumerate() {
        out[k] = find(&|o| o == s).map(StepChange::Same);
    }
    for (k, s) in after.steps.iter().enumerate() {
        if out[k].is_none() {
            out[k] = Some(
                find(&|o| o.title == s.title || o.intent == s.intent)
                    .map_or(StepChange::New, StepChange::Changed),
            );
        }
    }
    let gone = (0..before.steps.len()).filter(|&i| !used[i]).collect();
    (out.into_iter().map(|c| c.unwrap_or(StepChange::New)).collect(), gone)
}

/// A step as one line of words, for a word-level diff.
pub fn step_words(s: &Step) -> String {
    let files: Vec<String> =
        s.files.iter().map(|f| format!("{} {}", super::text::op_word(f.action), f.path)).collect();
    let cmds: Vec<String> = s.commands.iter().map(|c| format!("$ {c}")).collect();
    format!("{} — {} {} {}", s.title, s.intent, files.join(" "), cmds.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::review::tests::plan;

    #[test]
    fn words_keep_order_and_merge_runs() {
        assert_eq!(
            words("print each file read on stderr", "print every file read to stderr"),
            [
                Piece::Same("print".into()),
                Piece::Added("every".into()),
                Piece::Removed("each".into()),
                Piece::Same("file read".into()),
                Piece::Added("to".into()),
                Piece::Removed("on".into()),
                Piece::Same("stderr".into()),
            ]
        );
        assert_eq!(words("", "a b"), [Piece::Added("a b".into())]);
    }

    #[test]
    fn steps_same_changed_new_and_gone() {
        let before = plan();
        let mut after = plan();
        after.steps[1].intent = "Say more".into();
        after.steps.remove(2);
        after
            .steps
            .insert(0, Step { title: "Test".into(), intent: "t".into(), files: vec![], commands: vec![] });
        let (changes, gone) = steps(&before, &after);
        assert_eq!(changes, [StepChange::New, StepChange::Same(0), StepChange::Changed(1)]);
        assert_eq!(gone, [2]);
    }
}
